// Reading CSV (RFC 4180): comma-separated cells, double quotes around cells that hold commas,
// quotes or line breaks, "" for a quote inside them. For imports: each row comes with the line
// of the file it starts on, so a rejected row can be named as the user sees it in an editor.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace kanri {

class CsvReader {
 public:
  // Reads from `in`, which must outlive the reader. A UTF-8 byte order mark at the start is
  // skipped; lines may end in LF or CRLF.
  explicit CsvReader(std::istream& in) : in_(in) {}

  // The next row's cells, or false at the end of the input. An empty line is a row of one
  // empty cell. A quoted cell left open at the end of the input ends there and sets
  // unterminated() for that row.
  bool next(std::vector<std::string>& cells);
  // The line (1 = the first) on which the row last returned by next() starts.
  std::size_t line() const { return row_line_; }
  bool unterminated() const { return unterminated_; }

 private:
  std::istream& in_;
  std::string buffer_;
  std::size_t lines_read_ = 0;
  std::size_t row_line_ = 0;
  bool unterminated_ = false;
};

}  // namespace kanri
