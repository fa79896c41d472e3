#include "core/messages.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

namespace kanri {
namespace {

const std::string kI18nDir = std::string(KANRI_SOURCE_DIR) + "/i18n";

const MessageCatalogue& real() {
  static const MessageCatalogue cat = MessageCatalogue::load(kI18nDir);
  return cat;
}

// {identifier} placeholders of a message; other braces (JSON examples) are not placeholders.
std::set<std::string> placeholders(const std::string& text) {
  static const std::regex re(R"(\{([A-Za-z_][A-Za-z0-9_]*)\})");
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1].str());
  return out;
}

// A temporary directory with message files, removed afterwards.
class TempCatalogueDir {
 public:
  TempCatalogueDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            (std::string("kanri_i18n_") + info->test_suite_name() + "_" + info->name() + "_" +
             std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(path_);
  }
  ~TempCatalogueDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(path_ / name) << text; }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(RealMessages, BothLanguagesLoad) {
  auto langs = real().languages();
  EXPECT_EQ(std::set<std::string>(langs.begin(), langs.end()), (std::set<std::string>{"en", "ja"}));
  ASSERT_NE(real().table("en"), nullptr);
  ASSERT_NE(real().table("ja"), nullptr);
  EXPECT_EQ(real().table("fr"), nullptr);
  EXPECT_GT(real().table("en")->size(), 50u);
}

TEST(RealMessages, EveryEnglishKeyHasAJapaneseTranslation) {
  const auto& en = *real().table("en");
  const auto& ja = *real().table("ja");
  std::string missing;
  for (auto& [key, text] : en)
    if (!ja.count(key)) missing += "  " + key + "\n";
  EXPECT_TRUE(missing.empty()) << "keys in i18n/en.toml without a translation in i18n/ja.toml:\n" << missing;
}

TEST(RealMessages, EveryJapaneseKeyExistsInEnglish) {
  const auto& en = *real().table("en");
  const auto& ja = *real().table("ja");
  std::string missing;
  for (auto& [key, text] : ja)
    if (!en.count(key)) missing += "  " + key + "\n";
  EXPECT_TRUE(missing.empty()) << "keys in i18n/ja.toml missing from i18n/en.toml:\n" << missing;
}

// Every message key the code names ("auth.login_failed", "field.required"…) exists, so no
// error ever reaches a user as a bare key. Keys are found as string literals whose first part
// is a section of the catalogue.
TEST(RealMessages, EveryKeyTheCodeUsesExists) {
  const auto* en = real().table("en");
  ASSERT_NE(en, nullptr);
  std::set<std::string> sections;
  for (auto& [key, text] : *en) sections.insert(key.substr(0, key.find('.')));
  static const std::regex literal(R"re("([a-z_]+)\.([a-z_]+)")re");
  std::vector<std::string> missing;
  size_t found = 0;
  for (auto& entry : std::filesystem::recursive_directory_iterator(std::string(KANRI_SOURCE_DIR) + "/src")) {
    if (entry.path().extension() != ".cpp" && entry.path().extension() != ".h") continue;
    std::ifstream in(entry.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), literal); it != std::sregex_iterator(); ++it) {
      std::string section = (*it)[1].str(), key = section + "." + (*it)[2].str();
      if (!sections.count(section)) continue;
      ++found;
      if (!en->count(key)) missing.push_back(key + " (" + entry.path().filename().string() + ")");
    }
  }
  EXPECT_GT(found, 100u) << "the scan finds the keys the code uses";
  EXPECT_TRUE(missing.empty()) << [&] {
    std::string all;
    for (auto& m : missing) all += "\n  " + m;
    return "message keys used in src/ but missing from i18n/en.toml:" + all;
  }();
}

// Every text a web page shows comes from the catalogue: each {{t.key}} of web/templates and
// each t(visitor, "key") of src/ui names a "ui." message (or, for a key the code completes,
// starts some) (a dot of the key reads as "_" in a
// template), so no page ever shows a bare key or an untranslated sentence.
TEST(RealMessages, EveryTextThePagesShowExists) {
  const auto* en = real().table("en");
  ASSERT_NE(en, nullptr);
  std::set<std::string> template_keys;
  for (auto& [key, text] : *en)
    if (key.rfind("ui.", 0) == 0) {
      std::string k = key.substr(3);
      for (auto& ch : k)
        if (ch == '.') ch = '_';
      template_keys.insert(k);
    }
  static const std::regex in_template(R"re(\{\{\{?t\.([a-z0-9_]+)\}?\}\})re");
  static const std::regex in_code(R"re(\bt\((?:\*?v|who|lang), "([a-z0-9_.]+)")re");
  std::vector<std::string> missing;
  size_t found = 0;
  auto scan = [&](const std::filesystem::path& dir, const std::string& ext, const std::regex& re, bool is_template) {
    for (auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.path().extension() != ext) continue;
      std::ifstream in(entry.path());
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
        std::string key = (*it)[1].str();
        ++found;
        bool ok = is_template ? template_keys.count(key) > 0 : en->count("ui." + key) > 0;
        // A prefix the code completes ("role." + name): some message must start with it.
        if (!is_template && (key.back() == '.' || key.back() == '_')) {
          auto it = en->lower_bound("ui." + key);
          ok = it != en->end() && it->first.rfind("ui." + key, 0) == 0;
        }
        if (!ok) missing.push_back(key + " (" + entry.path().filename().string() + ")");
      }
    }
  };
  scan(std::string(KANRI_SOURCE_DIR) + "/web/templates", ".mustache", in_template, true);
  scan(std::string(KANRI_SOURCE_DIR) + "/src/ui", ".cpp", in_code, false);
  EXPECT_GT(found, 150u) << "the scan finds the texts the pages use";
  EXPECT_TRUE(missing.empty()) << [&] {
    std::string all;
    for (auto& m : missing) all += "\n  " + m;
    return "texts the web pages use but i18n/en.toml lacks (section [ui]):" + all;
  }();
}

TEST(RealMessages, NoEmptyMessages) {
  for (auto lang : {"en", "ja"})
    for (auto& [key, text] : *real().table(lang)) EXPECT_FALSE(text.empty()) << lang << ":" << key;
}

TEST(RealMessages, TranslationsUseTheSamePlaceholders) {
  // A placeholder the code fills ({label}, {max}, ...) must appear in both languages, or one of
  // them shows the raw "{max}" or loses the value. field.state_via_transition shows a URL
  // template, "…/transitions/{name}", which the code does not fill; Japanese writes {名前}.
  const std::set<std::string> literal_templates = {"field.state_via_transition"};
  const auto& en = *real().table("en");
  const auto& ja = *real().table("ja");
  for (auto& [key, text] : en) {
    if (literal_templates.count(key) || !ja.count(key)) continue;
    EXPECT_EQ(placeholders(text), placeholders(ja.at(key))) << key;
  }
}

TEST(RealMessages, FillsPlaceholders) {
  const auto& m = real();
  EXPECT_EQ(m.text("en", "record.not_found", {{"type", "service"}, {"key", "SVC-000042"}}),
            "There is no service 'SVC-000042'.");
  EXPECT_EQ(m.text("ja", "record.not_found", {{"type", "service"}, {"key", "SVC-000042"}}),
            "service 'SVC-000042' は存在しません。");
  EXPECT_EQ(m.text("en", "field.too_long", {{"label", "Name"}, {"max", "200"}}),
            "Name is longer than 200 characters.");
  EXPECT_EQ(m.text("ja", "field.too_long", {{"label", "名称"}, {"max", "200"}}), "名称は 200 文字以内にしてください。");
  // A value that itself looks like a placeholder is inserted verbatim, not expanded again.
  EXPECT_EQ(m.text("en", "field.required", {{"label", "{label}"}}), "{label} is required.");
  // Unused arguments are ignored.
  EXPECT_EQ(m.text("en", "problem.not_found", {{"x", "y"}}), "Not found");
}

TEST(RealMessages, LeavesUnfilledPlaceholdersAndJsonBracesAlone) {
  const auto& m = real();
  EXPECT_EQ(m.text("en", "field.required"), "{label} is required.");
  EXPECT_EQ(m.text("en", "body.not_object"), "The request body must be a JSON object, for example {\"name\": \"…\"}.");
}

TEST(RealMessages, FallsBackToEnglishThenToTheKey) {
  const auto& m = real();
  EXPECT_EQ(m.text("fr", "problem.not_found"), "Not found");
  EXPECT_EQ(m.text("", "problem.not_found"), "Not found");
  EXPECT_EQ(m.text("ja", "no.such.key"), "no.such.key");
  EXPECT_EQ(m.text("en", "no.such.key", {{"a", "b"}}), "no.such.key");
}

TEST(Messages, MissingTranslationFallsBackToEnglish) {
  TempCatalogueDir dir;
  dir.write("en.toml", "[greeting]\nhello = \"Hello, {name}\"\nbye = \"Bye\"\n");
  dir.write("ja.toml", "[greeting]\nhello = \"こんにちは、{name}さん\"\n");
  dir.write("notes.txt", "not a catalogue");
  auto m = MessageCatalogue::load(dir.path());
  EXPECT_EQ(m.text("ja", "greeting.hello", {{"name", "山田"}}), "こんにちは、山田さん");
  EXPECT_EQ(m.text("ja", "greeting.bye"), "Bye");
  EXPECT_EQ(m.text("ja", "greeting.none"), "greeting.none");
  EXPECT_EQ(m.languages(), (std::vector<std::string>{"en", "ja"}));
}

TEST(Messages, SyntaxErrorNamesTheFile) {
  TempCatalogueDir dir;
  dir.write("en.toml", "[a]\nb = \"ok\"\n");
  dir.write("ja.toml", "[a]\nb = \"unterminated\n");
  try {
    (void)MessageCatalogue::load(dir.path());
    FAIL() << "a broken catalogue must throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("ja.toml"), std::string::npos) << e.what();
  }
}

TEST(Messages, EnglishIsRequired) {
  TempCatalogueDir dir;
  dir.write("ja.toml", "[a]\nb = \"ok\"\n");
  EXPECT_THROW((void)MessageCatalogue::load(dir.path()), std::runtime_error);
}

TEST(PickLanguage, ChoosesTheBestSupportedLanguage) {
  const auto& m = real();
  EXPECT_EQ(m.pick_language("ja-JP,ja;q=0.9,en;q=0.8"), "ja");
  EXPECT_EQ(m.pick_language("ja"), "ja");
  EXPECT_EQ(m.pick_language("ja-JP"), "ja");
  EXPECT_EQ(m.pick_language("JA-jp"), "ja");
  EXPECT_EQ(m.pick_language("en-US"), "en");
  EXPECT_EQ(m.pick_language("en-US,en;q=0.9"), "en");
  EXPECT_EQ(m.pick_language("en-US,en;q=0.9,ja;q=0.8"), "en");
  EXPECT_EQ(m.pick_language("fr"), "en");
  EXPECT_EQ(m.pick_language("fr-FR,fr;q=0.9"), "en");
  EXPECT_EQ(m.pick_language("fr-FR,fr;q=0.9,ja;q=0.5"), "ja");
  EXPECT_EQ(m.pick_language(""), "en");
  EXPECT_EQ(m.pick_language("*"), "en");
  EXPECT_EQ(m.pick_language("en;q=0.5, ja;q=0.8"), "ja");
  EXPECT_EQ(m.pick_language(" ja ; q=0.7 , en ; q=0.6"), "ja");
  EXPECT_EQ(m.pick_language("garbage;;;,,,"), "en");
}

TEST(PickLanguage, QualityZeroMeansNotAcceptable) {
  // RFC 9110 12.4.2: "q=0" means the language is not acceptable.
  // BUG: src/core/messages.cpp MessageCatalogue::pick_language() (the `q > best_q` test, line 90)
  // starts best_q at -1, so a language sent with q=0 still beats the English default:
  // "Accept-Language: ja;q=0" (the client refuses Japanese) is answered in Japanese.
  EXPECT_EQ(real().pick_language("ja;q=0"), "en");
  EXPECT_EQ(real().pick_language("ja;q=0, fr"), "en");
}

}  // namespace
}  // namespace kanri
