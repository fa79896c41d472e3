#include "core/messages.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include <toml++/toml.h>

namespace kanri {

namespace {
void flatten(const toml::table& t, const std::string& prefix, std::map<std::string, std::string>& out) {
  for (auto&& [k, v] : t) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (auto* sub = v.as_table())
      flatten(*sub, key, out);
    else if (auto s = v.value<std::string>())
      out[key] = *s;
  }
}
}  // namespace

MessageCatalogue MessageCatalogue::load(const std::string& dir) {
  MessageCatalogue cat;
  for (auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    toml::table t;
    try {
      t = toml::parse_file(entry.path().string());
    } catch (const toml::parse_error& e) {
      throw std::runtime_error(entry.path().string() + ": " + std::string(e.description()));
    }
    flatten(t, "", cat.by_lang_[entry.path().stem().string()]);
  }
  if (!cat.by_lang_.count("en")) throw std::runtime_error(dir + ": no en.toml message catalogue");
  return cat;
}

std::string MessageCatalogue::text(std::string_view lang, std::string_view key,
                                   const MessageArgs& args) const {
  const std::string* tmpl = nullptr;
  for (std::string_view l : {lang, std::string_view("en")}) {
    auto it = by_lang_.find(l);
    if (it == by_lang_.end()) continue;
    auto m = it->second.find(std::string(key));
    if (m != it->second.end()) {
      tmpl = &m->second;
      break;
    }
  }
  if (!tmpl) return std::string(key);
  std::string out;
  out.reserve(tmpl->size() + 32);
  for (size_t i = 0; i < tmpl->size(); ++i) {
    if ((*tmpl)[i] == '{') {
      size_t close = tmpl->find('}', i);
      if (close != std::string::npos) {
        auto a = args.find(tmpl->substr(i + 1, close - i - 1));
        if (a != args.end()) {
          out += a->second;
          i = close;
          continue;
        }
      }
    }
    out += (*tmpl)[i];
  }
  return out;
}

std::string MessageCatalogue::pick_language(std::string_view header) const {
  std::string best = "en";
  double best_q = -1;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t comma = header.find(',', pos);
    std::string_view item = header.substr(pos, comma == std::string_view::npos ? header.size() - pos : comma - pos);
    pos = comma == std::string_view::npos ? header.size() : comma + 1;
    double q = 1.0;
    size_t semi = item.find(';');
    std::string_view tag = item.substr(0, semi);
    if (semi != std::string_view::npos) {
      size_t qpos = item.find("q=", semi);
      if (qpos != std::string_view::npos) q = std::atof(std::string(item.substr(qpos + 2)).c_str());
    }
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    std::string primary(tag.substr(0, tag.find('-')));
    std::transform(primary.begin(), primary.end(), primary.begin(), ::tolower);
    if (by_lang_.count(primary) && q > 0 && q > best_q) {
      best = primary;
      best_q = q;
    }
  }
  return best;
}

std::vector<std::string> MessageCatalogue::languages() const {
  std::vector<std::string> out;
  for (auto& [l, _] : by_lang_) out.push_back(l);
  return out;
}

const std::map<std::string, std::string>* MessageCatalogue::table(std::string_view lang) const {
  auto it = by_lang_.find(lang);
  return it == by_lang_.end() ? nullptr : &it->second;
}

}  // namespace kanri
