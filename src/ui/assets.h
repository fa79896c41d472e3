// The web UI's built front end (Vite writes web/dist: content-hashed files and a manifest)
// and the few static files of web/assets. Everything is read once at start-up and served
// from memory, gzipped once, with a year-long immutable cache for hashed names.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "http/message.h"

namespace kanri::ui {

class Assets {
 public:
  // Reads web_dir/dist (when built) and web_dir/assets. A missing build is not an error: pages
  // then load without styles and scripts, and the server log says so once.
  explicit Assets(const std::string& web_dir);

  // The URLs of an entry's script and its style sheets ("main.js" → /assets/main-3f2a.js).
  std::string script(const std::string& entry) const;
  std::vector<std::string> styles(const std::string& entry) const;

  // Serves /assets/{file}; 404 for anything else.
  http::Response serve(const http::Request& req, const std::string& file) const;

  // Bytes of every script and style sheet the pages load, raw and gzipped (for the benchmark).
  struct Size {
    std::size_t raw = 0, gzip = 0;
  };
  Size size_of(const std::vector<std::string>& urls) const;

 private:
  struct File {
    std::string body, gzip, type;
    bool immutable = false;
  };
  std::map<std::string, File> files_;  // file name under /assets/
  struct Entry {
    std::string file;
    std::vector<std::string> css;
  };
  std::map<std::string, Entry> entries_;
};

// gzip at the given level (1 fast … 9 small).
std::string gzip(const std::string& in, int level = 6);

}  // namespace kanri::ui
