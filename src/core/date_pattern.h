// Local date-times written the way another system exports them ("29/2/2016 01:16"), read with
// a pattern and turned into UTC instants in a named time zone. For imports: Kanri keeps UTC
// epoch milliseconds inside, so the time zone the file was written in must be stated.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"
#include "core/time_zone.h"

namespace kanri {

class DatePattern {
 public:
  // A pattern of d or dd (day), m or mm (month), yyyy (year), H or HH (hour, 0–23), MM
  // (minutes), SS (seconds) and literal characters, such as "d/m/yyyy HH:MM". One-letter and
  // two-letter fields both accept one or two digits. Nullopt when the pattern has no year,
  // month and day, or a field twice.
  static std::optional<DatePattern> parse(std::string_view pattern);

  // The instant that `text`, read as wall-clock time in `zone`, names; nullopt when the text
  // does not follow the pattern or names no real date or time. Around a daylight-saving change
  // a skipped or repeated wall time is read with the offset of one side of the change.
  std::optional<EpochMs> read(std::string_view text, const TimeZone& zone) const;

  const std::string& text() const { return pattern_; }

 private:
  std::string pattern_;
};

}  // namespace kanri
