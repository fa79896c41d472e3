// kanri import: another system's CSV export into records, through a mapping file
// (docs/import.md). Everything the user reads comes from the message catalogue.
#include <fstream>
#include <iostream>

#include "cli/app.h"
#include "engine/record_import.h"

namespace kanri::cli {

namespace {

// "1,234" in English, "1,234" in Japanese too: both group by thousands.
std::string grouped(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// One problem as "line N: field X: what is wrong", the field's label filling the message.
std::string describe(const App& app, const std::string& lang, const model::TypeDef* t, const engine::ImportProblem& p) {
  MessageArgs args = p.error.args;
  const model::FieldDef* f = t ? t->field(p.error.field) : nullptr;
  args["label"] = f ? f->label.in(lang) : p.error.field;
  if (args.count("type") && t && args["type"] == t->name) args["type"] = t->label.in(lang);
  const std::string reason = app.messages.text(lang, p.error.code, args);
  MessageArgs where{{"line", std::to_string(p.line)}, {"field", p.error.field}, {"reason", reason}};
  return app.messages.text(lang, p.error.field.empty() ? "import.problem_at_line" : "import.problem_at_field", where);
}

}  // namespace

int run_import(App& app, const ImportCommand& command) {
  const std::string& lang = command.lang;
  engine::LoadedMapping loaded = engine::load_import_mapping(command.mapping, *app.catalogue);
  if (!loaded.problems.empty()) {
    std::cerr << "kanri: " << app.messages.text(lang, "import.mapping_invalid", {{"file", command.mapping}}) << "\n";
    for (auto& p : loaded.problems)
      std::cerr << "  " << command.mapping << ":" << p.line << ": " << (p.error.field.empty() ? "" : p.error.field + ": ")
                << app.messages.text(lang, p.error.code, p.error.args) << "\n";
    return 2;
  }
  const engine::ImportMapping& mapping = *loaded.mapping;
  if (!command.type.empty() && command.type != mapping.type->name) {
    std::cerr << "kanri: "
              << app.messages.text(lang, "import.type_mismatch", {{"type", command.type}, {"mapping", mapping.type->name}})
              << "\n";
    return 2;
  }
  std::ifstream file;
  if (command.file != "-") {
    file.open(command.file, std::ios::binary);
    if (!file) {
      std::cerr << "kanri: " << app.messages.text(lang, "import.file_unreadable", {{"file", command.file}}) << "\n";
      return 2;
    }
  }
  CsvReader csv(command.file == "-" ? std::cin : file);
  engine::RecordService records(*app.catalogue, *app.db, app.rules, app.clock);
  engine::ImportOptions options;
  options.skip_invalid = command.skip_invalid;
  options.progress = [&](std::size_t done, std::size_t total) {
    std::cerr << "import: "
              << app.messages.text(lang, "import.progress", {{"done", grouped(done)}, {"total", grouped(total)}}) << "\n";
  };
  auto report = engine::import_records(records, command_line_principal(), mapping, csv, options);
  if (!report) {
    std::cerr << "kanri: " << app.messages.text(lang, report.error().code, report.error().args) << "\n";
    return 2;
  }
  for (auto& p : report->problems) std::cerr << describe(app, lang, mapping.type, p) << "\n";
  std::cout << app.messages.text(lang, "import.summary",
                                 {{"rows", grouped(report->rows_read)},
                                  {"records", grouped(report->records)},
                                  {"type", mapping.type->plural.in(lang)},
                                  {"imported", grouped(report->imported)},
                                  {"rejected", grouped(report->rejected)}})
            << "\n";
  if (report->updated + report->unchanged > 0)
    std::cout << app.messages.text(lang, "import.matched",
                                   {{"updated", grouped(report->updated)},
                                    {"unchanged", grouped(report->unchanged)},
                                    {"field", mapping.match_field}})
              << "\n";
  if (report->problems.empty()) return 0;
  if (report->imported + report->updated == 0 && !command.skip_invalid)
    std::cerr << app.messages.text(lang, "import.nothing_imported") << "\n";
  return report->rows_read == 0 && report->imported == 0 && report->rejected == 0 ? 2 : 1;
}

}  // namespace kanri::cli
