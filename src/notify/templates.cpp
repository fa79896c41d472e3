#include "notify/templates.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <kainjow/mustache.hpp>

#include "jobs/events.h"

namespace kanri::notify {

namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;

data to_data(const nlohmann::json& j) {
  if (j.is_object()) {
    data d{data::type::object};
    for (auto& [k, v] : j.items()) d.set(k, to_data(v));
    return d;
  }
  if (j.is_array()) {
    data list{data::type::list};
    for (auto& v : j) list.push_back(to_data(v));
    return list;
  }
  if (j.is_null()) return data{data::type::bool_false};
  if (j.is_boolean()) return j.get<bool>() ? data{data::type::bool_true} : data{data::type::bool_false};
  if (j.is_string()) return data{j.get<std::string>()};
  return data{j.dump()};
}

std::string render_text(const std::string& text, const data& d) {
  mustache m(text);
  m.set_custom_escape([](const std::string& s) { return s; });
  std::string out = m.render(d);
  if (!m.is_valid()) throw std::runtime_error(m.error_message());
  return out;
}

}  // namespace

Templates::Templates(const std::string& dir) {
  for (auto& event : jobs::event_names()) {
    for (const char* lang : {"en", "ja"}) {
      auto path = std::filesystem::path(dir) / (event + "." + lang + ".mustache");
      std::ifstream in(path, std::ios::binary);
      if (!in) throw std::runtime_error(path.string() + ": notification template not found");
      std::stringstream ss;
      ss << in.rdbuf();
      std::string text = ss.str();
      if (text.rfind("Subject: ", 0) != 0)
        throw std::runtime_error(path.string() + ": the first line must be 'Subject: …'");
      size_t eol = text.find('\n');
      std::string subject = text.substr(9, eol == std::string::npos ? std::string::npos : eol - 9);
      std::string body = eol == std::string::npos ? "" : text.substr(eol + 1);
      if (!body.empty() && body.front() == '\n') body.erase(0, 1);
      if (!mustache(subject).is_valid() || !mustache(body).is_valid())
        throw std::runtime_error(path.string() + ": not a valid mustache template");
      templates_[event + "." + lang] = {subject, body};
    }
  }
}

Rendered Templates::render(const std::string& event, const std::string& language, const nlohmann::json& json) const {
  auto it = templates_.find(event + "." + language);
  if (it == templates_.end()) it = templates_.find(event + ".en");
  if (it == templates_.end()) throw std::runtime_error("no notification template for event '" + event + "'");
  data d = to_data(json);
  Rendered r{render_text(it->second.first, d), render_text(it->second.second, d)};
  // A subject is one line, whatever a value held.
  for (auto& ch : r.subject)
    if (ch == '\r' || ch == '\n') ch = ' ';
  while (!r.subject.empty() && r.subject.back() == ' ') r.subject.pop_back();
  return r;
}

}  // namespace kanri::notify
