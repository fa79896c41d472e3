// Named C++ rules for what the model cannot say: computed fields and transition hooks. Process
// modules register them at start-up; the model refers to them by name.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>

#include "core/error.h"
#include "core/time.h"
#include "engine/principal.h"
#include "store/records.h"

namespace kanri::engine {

// Computes a field's value from the rest of the record, on every create, update and transition.
using ComputedRule = std::function<Value(const store::Record& record, const model::FieldDef& field)>;

struct TransitionContext {
  const store::Record& before;
  store::Record& after;  // the hook may set fields; they are validated again afterwards
  const model::TransitionDef& transition;
  const Principal& principal;
  EpochMs now;
};
// Runs before a transition commits; an error stops the transition and changes nothing.
using TransitionHook = std::function<Status(TransitionContext& context)>;

class RuleRegistry {
 public:
  void add_computed(const std::string& name, ComputedRule rule) { computed_[name] = std::move(rule); }
  void add_hook(const std::string& name, TransitionHook hook) { hooks_[name] = std::move(hook); }
  const ComputedRule* computed(const std::string& name) const;
  const TransitionHook* hook(const std::string& name) const;
  // Every registered name, for the model loader to check references against.
  std::set<std::string> names() const;

 private:
  std::map<std::string, ComputedRule> computed_;
  std::map<std::string, TransitionHook> hooks_;
};

}  // namespace kanri::engine
