#include "ui/format.h"

#include <map>
#include <memory>

#include <unicode/calendar.h>
#include <unicode/numfmt.h>
#include <unicode/smpdtfmt.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

namespace kanri::ui {

namespace {

// Patterns rather than ICU's styles, so that the pages read the same on every ICU version.
const char* datetime_pattern(const std::string& lang) { return lang == "ja" ? "y年M月d日 H:mm" : "d MMM y, HH:mm"; }
const char* date_pattern(const std::string& lang) { return lang == "ja" ? "y年M月d日" : "d MMM y"; }
icu::Locale locale_of(const std::string& lang) { return lang == "ja" ? icu::Locale("ja_JP") : icu::Locale("en_GB"); }

std::string utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

// One formatter per (pattern, language, zone) and thread: ICU formatters are not thread-safe
// for concurrent use, and building one costs far more than formatting.
icu::SimpleDateFormat& formatter(const char* pattern, const std::string& lang, const std::string& tz) {
  thread_local std::map<std::string, std::unique_ptr<icu::SimpleDateFormat>> cache;
  std::string key = std::string(pattern) + "|" + lang + "|" + tz;
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  UErrorCode status = U_ZERO_ERROR;
  auto f = std::make_unique<icu::SimpleDateFormat>(icu::UnicodeString::fromUTF8(pattern), locale_of(lang), status);
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(tz)));
  if (*zone == icu::TimeZone::getUnknown()) zone.reset(icu::TimeZone::createTimeZone("UTC"));
  f->adoptTimeZone(zone.release());
  return *cache.emplace(key, std::move(f)).first->second;
}

}  // namespace

LocaleFormat::LocaleFormat(std::string lang, std::string time_zone) : lang_(std::move(lang)), tz_(std::move(time_zone)) {
  if (tz_.empty()) tz_ = "UTC";
}

std::string LocaleFormat::datetime(EpochMs ms) const {
  icu::UnicodeString out;
  formatter(datetime_pattern(lang_), lang_, tz_).format(static_cast<UDate>(ms), out);
  return utf8(out);
}

std::string LocaleFormat::date(std::string_view iso) const {
  if (!is_valid_date(iso)) return std::string(iso);
  icu::UnicodeString out;
  formatter(date_pattern(lang_), lang_, "UTC").format(static_cast<UDate>(date_to_days(iso)) * 86400000.0, out);
  return utf8(out);
}

std::string LocaleFormat::local_date(EpochMs ms) const {
  icu::UnicodeString out;
  formatter("yyyy-MM-dd", "en", tz_).format(static_cast<UDate>(ms), out);
  return utf8(out);
}

std::string LocaleFormat::datetime_input(EpochMs ms) const {
  icu::UnicodeString out;
  formatter("yyyy-MM-dd'T'HH:mm", "en", tz_).format(static_cast<UDate>(ms), out);
  return utf8(out);
}

std::optional<EpochMs> LocaleFormat::parse_datetime_input(std::string_view text) const {
  const char* pattern = text.size() > 16 ? "yyyy-MM-dd'T'HH:mm:ss" : "yyyy-MM-dd'T'HH:mm";
  auto& f = formatter(pattern, "en", tz_);
  f.setLenient(false);
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString in = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  UDate d = f.parse(in, status);
  if (U_FAILURE(status)) return std::nullopt;
  return static_cast<EpochMs>(d);
}

std::string LocaleFormat::number(double value, int scale) const {
  thread_local std::map<std::string, std::unique_ptr<icu::NumberFormat>> cache;
  auto it = cache.find(lang_);
  if (it == cache.end()) {
    UErrorCode status = U_ZERO_ERROR;
    it = cache.emplace(lang_, std::unique_ptr<icu::NumberFormat>(icu::NumberFormat::createInstance(locale_of(lang_), status)))
             .first;
  }
  icu::NumberFormat& f = *it->second;
  f.setMinimumFractionDigits(scale < 0 ? 0 : scale);
  f.setMaximumFractionDigits(scale < 0 ? 6 : scale);
  icu::UnicodeString out;
  f.format(value, out);
  return utf8(out);
}

}  // namespace kanri::ui
