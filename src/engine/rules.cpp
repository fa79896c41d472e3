#include "engine/rules.h"

namespace kanri::engine {

const ComputedRule* RuleRegistry::computed(const std::string& name) const {
  auto it = computed_.find(name);
  return it == computed_.end() ? nullptr : &it->second;
}

const TransitionHook* RuleRegistry::hook(const std::string& name) const {
  auto it = hooks_.find(name);
  return it == hooks_.end() ? nullptr : &it->second;
}

std::set<std::string> RuleRegistry::names() const {
  std::set<std::string> out;
  for (auto& [n, _] : computed_) out.insert(n);
  for (auto& [n, _] : hooks_) out.insert(n);
  return out;
}

Status RuleRegistry::check_write(WriteContext& context) const {
  for (auto& [type, rule] : write_rules_) {
    if (type != "*" && type != context.after.type->name) continue;
    if (auto s = rule(context); !s) return s;
  }
  return ok_status();
}

Status RuleRegistry::observe(const RecordChange& change) const {
  for (auto& [type, observer] : observers_) {
    if (type != "*" && type != change.record.type->name) continue;
    if (auto s = observer(change); !s) return s;
  }
  return ok_status();
}

}  // namespace kanri::engine
