#include "core/csv.h"

namespace kanri {

bool CsvReader::next(std::vector<std::string>& cells) {
  cells.clear();
  unterminated_ = false;
  if (!std::getline(in_, buffer_)) return false;
  if (lines_read_ == 0 && buffer_.compare(0, 3, "\xEF\xBB\xBF") == 0) buffer_.erase(0, 3);
  row_line_ = ++lines_read_;
  std::string cell;
  bool quoted = false;  // inside a quoted cell
  for (;;) {
    if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();  // CRLF
    for (std::size_t i = 0; i < buffer_.size(); ++i) {
      const char ch = buffer_[i];
      if (quoted) {
        if (ch != '"') {
          cell += ch;
        } else if (i + 1 < buffer_.size() && buffer_[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        cells.push_back(std::move(cell));
        cell.clear();
      } else {
        cell += ch;
      }
    }
    if (!quoted) break;
    // A line break inside quotes belongs to the cell; the row goes on on the next line.
    if (!std::getline(in_, buffer_)) {
      unterminated_ = true;
      break;
    }
    ++lines_read_;
    cell += '\n';
  }
  cells.push_back(std::move(cell));
  return true;
}

}  // namespace kanri
