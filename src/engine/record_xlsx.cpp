// Records as an XLSX workbook, from the same export cells as the CSV. libxlsxwriter writes only
// files, so the workbook goes to a temporary file that is read back and removed.
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/messages.h"
#include "core/time_zone.h"
#include "engine/record_service.h"

namespace kanri::engine {

namespace {

using Kind = ExportCell::Kind;

constexpr double kMsPerDay = 86'400'000.0;
// Excel counts days from 1899-12-30; 1970-01-01 is day 25569. Excel also believes 1900 was a
// leap year, so serial numbers below 61 (before 1900-03-01) are not the dates they look like.
constexpr double kExcelEpochDays = 25'569.0;
constexpr double kFirstTrueExcelDay = 61.0;
constexpr size_t kSheetNameMax = 31;
constexpr double kMinColumnWidth = 8, kMaxColumnWidth = 60;

// Whether a code point is drawn two columns wide (CJK, kana, full-width forms, emoji).
bool wide(char32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFD);
}

// The width of the longest line of `text`, in Excel's character columns (roughly).
double display_width(std::string_view text) {
  double longest = 0, line = 0;
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t len = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? byte : byte & (0x3F >> (len - 1));
    for (size_t k = 1; k < len && i + k < text.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    i += len;
    if (cp == '\n') {
      longest = std::max(longest, line);
      line = 0;
    } else {
      line += wide(cp) ? 2 : 1;
    }
  }
  return std::max(longest, line);
}

// Excel's rules for a sheet name: at most 31 characters, none of []:*?/\, no apostrophe at
// either end, not empty, not "History" (reserved).
std::string sheet_name(std::string_view label, std::string_view fallback) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < label.size() && chars < kSheetNameMax;) {
    const auto byte = static_cast<unsigned char>(label[i]);
    const size_t len = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
    if (len == 4) {
      // A character outside the BMP counts twice in Excel's UTF-16 limit.
      if (chars + 2 > kSheetNameMax) break;
      ++chars;
    }
    std::string_view ch = label.substr(i, len);
    out += ch.find_first_of("[]:*?/\\") != std::string_view::npos ? std::string_view("_") : ch;
    ++chars;
    i += len;
  }
  while (!out.empty() && out.front() == '\'') out.erase(0, 1);
  while (!out.empty() && out.back() == '\'') out.pop_back();
  std::string lower = out;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (out.empty() || lower == "history") return std::string(fallback.substr(0, kSheetNameMax));
  return out;
}

std::string column_header(const ExportColumn& column, std::string_view lang,
                          const MessageCatalogue& messages) {
  if (column.field) return column.field->label.in(lang);
  // The system columns of RecordService::export_columns, which have no model label.
  if (column.name == "number") return messages.text(lang, "export.column_number");
  if (column.name == "state") return messages.text(lang, "export.column_state");
  if (column.name == "created_at") return messages.text(lang, "export.column_created_at");
  if (column.name == "updated_at") return messages.text(lang, "export.column_updated_at");
  return column.name;
}

// A temporary file that is removed when this goes out of scope.
class TempFile {
 public:
  TempFile() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "kanri-export-XXXXXX.xlsx").string();
    const int fd = ::mkstemps(pattern.data(), 5);
    if (fd >= 0) {
      ::close(fd);
      path_ = pattern;
    }
  }
  ~TempFile() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Excel holds at most 32767 characters in a cell; longer text is cut there rather than lost.
void write_text(lxw_worksheet* sheet, lxw_row_t row, lxw_col_t col, const std::string& text) {
  constexpr size_t kCellMax = 32'767;
  if (text.size() <= kCellMax) {
    worksheet_write_string(sheet, row, col, text.c_str(), nullptr);
    return;
  }
  size_t chars = 0, end = 0;
  while (end < text.size() && chars < kCellMax) {
    ++end;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    ++chars;
  }
  worksheet_write_string(sheet, row, col, text.substr(0, end).c_str(), nullptr);
}

Error write_failed(const char* what) {
  return Error::of(ErrorKind::internal, "export.write_failed", {{"reason", what}});
}

}  // namespace

Result<std::string> RecordService::to_xlsx(const Principal& p, const model::TypeDef& t,
                                           const std::vector<Record>& records,
                                           std::string_view lang, const MessageCatalogue& messages,
                                           std::string_view time_zone) {
  std::optional<TimeZone> zone = TimeZone::named(time_zone);
  if (!zone) {
    Error e = Error::of(ErrorKind::invalid, "query.invalid");
    e.fields.push_back({"tz", "export.time_zone", {{"value", std::string(time_zone)}}});
    return e;
  }
  TempFile file;
  if (file.path().empty()) return write_failed("no temporary file");

  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;  // rows go to disk as they are written
  lxw_workbook* book = workbook_new_opt(file.path().c_str(), &options);
  if (!book) return write_failed("workbook_new_opt");
  const std::string name = sheet_name(t.plural.in(lang), t.collection);
  lxw_worksheet* sheet = workbook_add_worksheet(book, name.c_str());
  if (!sheet) {
    workbook_close(book);
    return write_failed("workbook_add_worksheet");
  }
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  lxw_format* date = workbook_add_format(book);
  format_set_num_format(date, "yyyy-mm-dd");
  lxw_format* datetime = workbook_add_format(book);
  format_set_num_format(datetime, "yyyy-mm-dd hh:mm:ss");
  lxw_format* duration = workbook_add_format(book);
  format_set_num_format(duration, "[h]:mm:ss");

  const std::vector<ExportColumn> columns = export_columns(t);
  std::vector<double> widths(columns.size(), kMinColumnWidth);
  for (size_t c = 0; c < columns.size(); ++c) {
    const std::string header = column_header(columns[c], lang, messages);
    worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), header.c_str(), bold);
    widths[c] = std::max(widths[c], display_width(header) + 2);
  }
  worksheet_freeze_panes(sheet, 1, 0);

  lxw_row_t row = 0;
  export_cells(p, t, records, [&](const std::vector<ExportCell>& cells) {
    ++row;
    for (size_t c = 0; c < cells.size(); ++c) {
      const ExportCell& cell = cells[c];
      const auto col = static_cast<lxw_col_t>(c);
      double shown = display_width(cell.text);
      switch (cell.kind) {
        case Kind::empty:
          break;
        case Kind::number:
          worksheet_write_number(sheet, row, col, cell.number, nullptr);
          break;
        case Kind::boolean:
          worksheet_write_boolean(sheet, row, col, cell.number != 0, nullptr);
          break;
        case Kind::date:
          if (cell.number + kExcelEpochDays < kFirstTrueExcelDay) {
            write_text(sheet, row, col, cell.text);
          } else {
            worksheet_write_number(sheet, row, col, cell.number + kExcelEpochDays, date);
          }
          break;
        case Kind::datetime: {
          const EpochMs local = static_cast<EpochMs>(cell.number) +
                                zone->offset_ms(static_cast<EpochMs>(cell.number));
          const double serial = static_cast<double>(local) / kMsPerDay + kExcelEpochDays;
          if (serial < kFirstTrueExcelDay) {
            write_text(sheet, row, col, cell.text);
          } else {
            worksheet_write_number(sheet, row, col, serial, datetime);
            shown = 19;
          }
          break;
        }
        case Kind::duration:
          worksheet_write_number(sheet, row, col, cell.number / kMsPerDay, duration);
          shown = 10;
          break;
        case Kind::choice: {
          const std::string& label = cell.label ? cell.label->in(lang) : cell.text;
          write_text(sheet, row, col, label);
          shown = display_width(label);
          break;
        }
        case Kind::text:
          // Always a string: a text that looks like a formula stays text.
          write_text(sheet, row, col, cell.text);
          break;
      }
      widths[c] = std::max(widths[c], shown + 2);
    }
  });
  worksheet_autofilter(sheet, 0, 0, row,
                       static_cast<lxw_col_t>(columns.empty() ? 0 : columns.size() - 1));
  for (size_t c = 0; c < columns.size(); ++c)
    worksheet_set_column(sheet, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                         std::min(widths[c], kMaxColumnWidth), nullptr);

  if (lxw_error err = workbook_close(book); err != LXW_NO_ERROR)
    return write_failed(lxw_strerror(err));
  std::ifstream in(file.path(), std::ios::binary);
  if (!in) return write_failed("cannot read the workbook back");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace kanri::engine
