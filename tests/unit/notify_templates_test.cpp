// The shipped notification templates: every event in both languages, a one-line subject that
// starts with the record number, values inserted as they are (no HTML escaping in mail).
#include <gtest/gtest.h>

#include "jobs/events.h"
#include "notify/templates.h"

namespace kanri {

namespace {

nlohmann::json sample(const std::string& event) {
  return {{"site", {{"name", "Kanri"}, {"url", "https://kanri.example"}}},
          {"recipient", {{"name", "山田 太郎"}}},
          {"actor", {{"name", "佐藤 <sato>"}}},
          {"event", {{"name", event}}},
          {"record", {{"type", "service"}, {"type_label", "サービス"}, {"number", "SVC-000042"},
                      {"display", "基幹 & 会計 <ERP>\nline two"}, {"url", "https://kanri.example/services/SVC-000042"},
                      {"state", "稼働中"}}},
          {"transition", {{"label", "稼働開始"}, {"from", "提案中"}, {"to", "稼働中"}}},
          {"changes", nlohmann::json::array({{{"field", "重要度"}, {"from", "中"}, {"to", "最重要"}}})},
          {"assignee", {{"name", "山田 太郎"}}},
          {"comment", {{"author", "佐藤"}, {"body", "再起動しました"}}},
          {"threshold", {{"label", "解決時間の75%"}, {"due_at", "2026-12-01 18:00"}}},
          {"approval", {{"requested_by", "佐藤"}, {"note", "CAB"}}},
          {"activity", {{"title", "SLAレビュー"}, {"clause", "20000-1:8.3.3"}, {"due_on", "2026-12-10"},
                        {"overdue_days", "2"}, {"owner", "山田 太郎"}}},
          {"task", {{"number", "TASK-000001"}, {"url", "https://kanri.example/tasks/TASK-000001"}}}};
}

}  // namespace

TEST(NotifyTemplates, EveryEventRendersInBothLanguagesWithTheNumberFirstAndNothingEscaped) {
  notify::Templates templates(std::string(KANRI_SOURCE_DIR) + "/web/templates/notify");
  for (const std::string& event : jobs::event_names()) {
    for (const char* lang : {"ja", "en"}) {
      SCOPED_TRACE(event + "." + lang);
      notify::Rendered r = templates.render(event, lang, sample(event));
      EXPECT_EQ(r.subject.rfind("[SVC-000042] ", 0), 0u) << r.subject;
      EXPECT_EQ(r.subject.find('\n'), std::string::npos) << "the subject is one line";
      EXPECT_EQ(r.subject.find("&amp;"), std::string::npos);
      EXPECT_EQ(r.body.find("&lt;"), std::string::npos) << "plain text, not HTML: " << r.body;
      EXPECT_NE(r.body.find("https://kanri.example"), std::string::npos) << "a link: " << r.body;
      EXPECT_FALSE(r.body.empty());
    }
  }
  // An unknown language falls back to English.
  EXPECT_EQ(templates.render("created", "fr", sample("created")).subject,
            templates.render("created", "en", sample("created")).subject);
}

TEST(NotifyTemplates, AMissingTemplateStopsStartUpWithItsPath) {
  try {
    notify::Templates t("/nonexistent/templates");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/templates/created.en.mustache"), std::string::npos) << e.what();
  }
}

}  // namespace kanri
