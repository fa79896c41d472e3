#include "ui/assets.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <Poco/DeflatingStream.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace kanri::ui {

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string type_of(const fs::path& p) {
  auto ext = p.extension().string();
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".woff") return "font/woff";
  if (ext == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

bool compressible(const std::string& type) {
  return type.rfind("text/", 0) == 0 || type == "image/svg+xml" || type == "image/x-icon";
}

bool accepts_gzip(const http::Request& req) { return req.header("accept-encoding").find("gzip") != std::string::npos; }

}  // namespace

std::string gzip(const std::string& in, int level) {
  std::ostringstream out;
  Poco::DeflatingOutputStream z(out, Poco::DeflatingStreamBuf::STREAM_GZIP, level);
  z.write(in.data(), static_cast<std::streamsize>(in.size()));
  z.close();
  return out.str();
}

Assets::Assets(const std::string& web_dir) {
  std::error_code ec;
  auto add_dir = [&](const fs::path& dir, bool immutable) {
    for (auto& e : fs::directory_iterator(dir, ec)) {
      if (!e.is_regular_file()) continue;
      File f;
      f.body = slurp(e.path());
      f.type = type_of(e.path());
      f.immutable = immutable;
      if (compressible(f.type)) f.gzip = gzip(f.body, 9);
      files_[e.path().filename().string()] = std::move(f);
    }
  };
  add_dir(fs::path(web_dir) / "assets", false);
  fs::path dist = fs::path(web_dir) / "dist";
  fs::path manifest = dist / ".vite" / "manifest.json";
  if (!fs::exists(manifest)) {
    spdlog::warn("web UI: {} is missing; run `make build` (Vite) so that pages get their styles and scripts",
                 manifest.string());
    return;
  }
  add_dir(dist / "assets", true);
  auto j = nlohmann::json::parse(slurp(manifest), nullptr, false);
  if (!j.is_object()) {
    spdlog::warn("web UI: {} is not valid JSON", manifest.string());
    return;
  }
  for (auto& [key, v] : j.items()) {
    if (!v.is_object() || !v.value("isEntry", false)) continue;
    Entry e;
    e.file = "/" + v.value("file", "");
    for (auto& c : v.value("css", nlohmann::json::array())) e.css.push_back("/" + c.get<std::string>());
    // Style sheets of the chunks the entry imports load with it.
    for (auto& imp : v.value("imports", nlohmann::json::array())) {
      auto chunk = j.find(imp.get<std::string>());
      if (chunk != j.end())
        for (auto& c : chunk->value("css", nlohmann::json::array())) e.css.push_back("/" + c.get<std::string>());
    }
    entries_[key] = std::move(e);
  }
}

std::string Assets::script(const std::string& entry) const {
  auto it = entries_.find(entry);
  return it == entries_.end() ? "" : it->second.file;
}

std::vector<std::string> Assets::styles(const std::string& entry) const {
  auto it = entries_.find(entry);
  return it == entries_.end() ? std::vector<std::string>{} : it->second.css;
}

http::Response Assets::serve(const http::Request& req, const std::string& name) const {
  auto it = files_.find(name);
  if (it == files_.end()) return http::Response::json(404, R"({"status":404,"title":"Not Found"})");
  const File& f = it->second;
  http::Response r;
  if (!f.gzip.empty() && accepts_gzip(req)) {
    r.body = f.gzip;
    r.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    r.body = f.body;
  }
  r.headers.emplace_back("Content-Type", f.type);
  r.headers.emplace_back("Vary", "Accept-Encoding");
  r.set_header("Cache-Control", f.immutable ? "public, max-age=31536000, immutable" : "public, max-age=3600");
  return r;
}

Assets::Size Assets::size_of(const std::vector<std::string>& urls) const {
  Size s;
  for (auto& u : urls) {
    auto it = files_.find(fs::path(u).filename().string());
    if (it == files_.end()) continue;
    s.raw += it->second.body.size();
    s.gzip += it->second.gzip.empty() ? it->second.body.size() : it->second.gzip.size();
  }
  return s;
}

}  // namespace kanri::ui
