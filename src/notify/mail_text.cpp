// render_message: the RFC 5322 / MIME text of a notification (declared in smtp.h).
#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string_view>

#include "notify/base64.h"
#include "notify/smtp.h"

namespace kanri::notify {
namespace {

constexpr std::size_t kMaxLine = 78;         // RFC 5322 2.1.1 "SHOULD" limit, CRLF excluded
constexpr std::size_t kMaxEncodedWord = 75;  // RFC 2047 2
constexpr std::string_view kWordStart = "=?UTF-8?B?";
constexpr std::string_view kWordEnd = "?=";
constexpr std::size_t kBodyChunk = 57;  // bytes that base64 to one 76-character line

// CR and LF would end the header line and let the rest of a value pose as a new header.
std::string one_line(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool in_break = false;
  for (char c : v) {
    if (c == '\r' || c == '\n') {
      if (!in_break) out += ' ';
      in_break = true;
    } else {
      out += c;
      in_break = false;
    }
  }
  return out;
}

// Length of the UTF-8 character starting at `i`; a malformed byte counts as one character so
// that any input still encodes (and decodes back to the same bytes).
std::size_t char_length(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t n = lead < 0x80           ? 1
                  : (lead >> 5) == 0x6  ? 2
                  : (lead >> 4) == 0xE  ? 3
                  : (lead >> 3) == 0x1E ? 4
                                        : 1;
  if (i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 1;
  }
  return n;
}

std::size_t encoded_word_length(std::size_t bytes) {
  return kWordStart.size() + (bytes + 2) / 3 * 4 + kWordEnd.size();
}

// Text that can stand in a header as it is and comes back unchanged after unfolding:
// printable ASCII, single spaces between words, nothing that looks like an encoded word.
bool is_plain_text(std::string_view s) {
  if (s.empty()) return true;
  if (s.front() == ' ' || s.back() == ' ') return false;
  if (s.find("=?") != std::string_view::npos || s.find("  ") != std::string_view::npos)
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t space = std::min(s.find(' ', start), s.size());
    out.push_back(s.substr(start, space - start));
    start = space + 1;
  }
  return out;
}

// One header field being written: tokens separated by a space, a line folded before a token
// that would pass kMaxLine. Folding only inserts CRLF before an existing space, so unfolding
// (removing CRLF) restores the value.
class HeaderField {
 public:
  explicit HeaderField(std::string_view name) : text_(name) {
    text_ += ':';
    line_ = text_.size();
  }

  // Characters a token may have and still fit after a space on the current line.
  std::size_t room() const { return line_ + 1 >= kMaxLine ? 0 : kMaxLine - line_ - 1; }

  void fold() {
    text_ += "\r\n";
    line_ = 0;
    has_token_on_line_ = false;
  }

  void token(std::string_view t) {
    if (t.size() > room() && has_token_on_line_) fold();
    text_ += ' ';
    text_ += t;
    line_ += 1 + t.size();
    has_token_on_line_ = true;
  }

  // Words when plain, else encoded words of whole UTF-8 characters sized to the line.
  void text(std::string_view s, bool plain) {
    if (plain) {
      for (std::string_view w : words(s)) token(w);
    } else {
      encoded_words(s);
    }
  }

  std::string finish() && {
    text_ += "\r\n";
    return std::move(text_);
  }

 private:
  void encoded_words(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
      const std::size_t limit = std::min(room(), kMaxEncodedWord);
      std::size_t j = i;
      while (j < s.size()) {
        const std::size_t n = char_length(s, j);
        if (encoded_word_length(j + n - i) > limit) break;
        j += n;
      }
      if (j == i) {
        if (has_token_on_line_) {
          fold();  // not even one character fits here; a fresh line holds 15
          continue;
        }
        j = i + char_length(s, i);
      }
      std::string word(kWordStart);
      word += base64(s.substr(i, j - i));
      word += kWordEnd;
      token(word);
      i = j;
    }
  }

  std::string text_;
  std::size_t line_ = 0;
  bool has_token_on_line_ = false;
};

// True when every word fits on a line of its own, so plain folding can keep lines short.
bool words_fit(std::string_view s, std::size_t first_line_room) {
  const auto w = words(s);
  if (!w.empty() && w.front().size() > first_line_room) return false;
  return std::all_of(w.begin(), w.end(), [](std::string_view x) { return x.size() < kMaxLine; });
}

std::string unstructured(std::string_view name, std::string_view value) {
  const std::string v = one_line(value);
  HeaderField f(name);
  const bool plain = is_plain_text(v) && words_fit(v, f.room());
  if (!v.empty()) f.text(v, plain);
  return std::move(f).finish();
}

// RFC 5322 atext plus space: a display name that needs neither quotes nor encoding.
bool is_plain_phrase(std::string_view s) {
  if (!is_plain_text(s) || s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' ||
           std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
  });
}

std::string quoted_phrase(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// A message id or an address as one header token: visible ASCII only, so it can neither
// break the line nor smuggle 8-bit bytes into a 7-bit message.
std::string clean_token(std::string_view t) {
  std::string out;
  for (char c : t) {
    if (c > 0x20 && c < 0x7F) out += c;
  }
  return out;
}

// An address also loses angle brackets, which would end the bracketed form early.
std::string clean_address(std::string_view a) {
  std::string out = clean_token(a);
  std::erase_if(out, [](char c) { return c == '<' || c == '>'; });
  return out;
}

std::string mailbox(std::string_view name, std::string_view display, std::string_view address) {
  const std::string d = one_line(display);
  const std::string a = clean_address(address);
  HeaderField f(name);
  if (d.empty()) {
    f.token(a);
    return std::move(f).finish();
  }
  if (is_plain_phrase(d) && words_fit(d, f.room())) {
    f.text(d, true);
  } else if (is_plain_text(d) && quoted_phrase(d).size() <= f.room()) {
    f.token(quoted_phrase(d));
  } else {
    f.text(d, false);
  }
  f.token("<" + a + ">");
  return std::move(f).finish();
}

std::string id_list(std::string_view name, const std::vector<std::string>& ids) {
  HeaderField f(name);
  for (const std::string& id : ids) {
    const std::string clean = clean_token(id);
    if (!clean.empty()) f.token(clean);
  }
  return std::move(f).finish();
}

std::string rfc5322_date(std::int64_t epoch_ms) {
  if (epoch_ms == 0) {
    epoch_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  }
  const std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000 - (epoch_ms % 1000 < 0));
  std::tm t{};
  gmtime_r(&seconds, &t);
  // Names are fixed by RFC 5322; strftime's %a/%b would follow the process locale.
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[t.tm_wday],
                t.tm_mday, kMonths[t.tm_mon], t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
  return buf;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

constexpr std::array<std::string_view, 11> kOwnHeaders = {
    "From",          "To",         "Subject",      "Date",         "Message-ID",
    "In-Reply-To",   "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
    "Auto-Submitted"};

// RFC 5322 field-name: printable ASCII except colon; ours are not to be given twice.
bool is_extra_header_name(std::string_view n) {
  if (n.empty() || n.size() > kMaxLine - 2) return false;
  if (!std::all_of(n.begin(), n.end(), [](char c) { return c > 0x20 && c < 0x7F && c != ':'; })) {
    return false;
  }
  return std::none_of(kOwnHeaders.begin(), kOwnHeaders.end(),
                      [&](std::string_view own) { return equals_ignore_case(n, own); });
}

// MIME text is sent with CRLF line breaks (RFC 2046 4.1.1), whatever the caller used.
std::string canonical_line_breaks(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 32);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += "\r\n";
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else if (s[i] == '\n') {
      out += "\r\n";
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string base64_lines(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() / kBodyChunk * 78 + 80);
  for (std::size_t i = 0; i < bytes.size(); i += kBodyChunk) {
    out += base64(bytes.substr(i, kBodyChunk));
    out += "\r\n";
  }
  return out;
}

}  // namespace

std::string render_message(const MailMessage& m) {
  std::string out;
  out += mailbox("From", m.from_name, m.from);
  out += mailbox("To", m.to_name, m.to);
  out += unstructured("Subject", m.subject);
  out += "Date: " + rfc5322_date(m.date_ms) + "\r\n";
  if (!clean_token(m.message_id).empty()) out += id_list("Message-ID", {m.message_id});
  if (!clean_token(m.in_reply_to).empty()) out += id_list("In-Reply-To", {m.in_reply_to});
  if (!m.references.empty()) out += id_list("References", m.references);
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n";
  // RFC 3834: tells auto-responders (vacation replies) not to answer a notification.
  out += "Auto-Submitted: auto-generated\r\n";
  for (const auto& [name, value] : m.headers) {
    if (is_extra_header_name(name)) out += unstructured(name, value);
  }
  out += "\r\n";
  out += base64_lines(canonical_line_breaks(m.body));
  return out;
}

}  // namespace kanri::notify
