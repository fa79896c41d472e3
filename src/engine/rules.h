// Named C++ rules for what the model cannot say: computed fields and transition hooks. Process
// modules register them at start-up; the model refers to them by name.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/time.h"
#include "engine/principal.h"
#include "store/records.h"

namespace kanri::engine {

class RecordService;

// Computes a field's value from the rest of the record, on every create, update and transition.
using ComputedRule = std::function<Value(const store::Record& record, const model::FieldDef& field)>;

struct TransitionContext {
  const store::Record& before;
  store::Record& after;  // the hook may set fields; they are validated again afterwards
  const model::TransitionDef& transition;
  const Principal& principal;
  EpochMs now;
  store::Connection& connection;  // the transition's transaction, for reads a rule needs
  const model::Catalogue& catalogue;
  RecordService* records;         // for records the rule writes in the same transaction (*_within)
};
// Runs before a transition commits; an error stops the transition and changes nothing.
using TransitionHook = std::function<Status(TransitionContext& context)>;

// A create, update or transition about to be written, after the fields were checked one by
// one and before the computed fields and the journal: the place for rules across fields or
// records (a priority from a matrix, a closure that needs evidence). `after` may be changed,
// read-only fields included; an error refuses the whole write and nothing is stored.
struct WriteContext {
  const store::Record* before;                  // null on create
  store::Record& after;
  const std::string& action;                    // create, update, transition:<name>
  const model::TransitionDef* transition;       // on a transition
  const nlohmann::json& body;                   // the fields the caller sent
  const Principal& principal;
  EpochMs now;
  store::Connection& connection;
  const model::Catalogue& catalogue;
  RecordService* records;  // for records the rule writes in the same transaction (*_within)
  // Whether the caller sent `field` in this write.
  bool sent(const std::string& field) const { return body.is_object() && body.contains(field); }
};
using WriteRule = std::function<Status(WriteContext& context)>;

// A change as it is journaled, inside the transaction that writes it.
struct RecordChange {
  store::Connection& connection;
  const Principal& principal;
  const store::Record& record;      // as it is now
  const std::string& action;        // create, update, delete, transition:<name>, link, linked, unlink, unlinked
  const nlohmann::json& changes;    // as journaled: field -> [before, after]
  EpochMs at;
  RecordService* records = nullptr;  // for records the observer writes in the same transaction
};
// Runs in the writing transaction after the journal entry: schedules the jobs and timers the
// change causes, so they commit with it. An error rolls the whole write back.
using ChangeObserver = std::function<Status(const RecordChange& change)>;

class RuleRegistry {
 public:
  void add_computed(const std::string& name, ComputedRule rule) { computed_[name] = std::move(rule); }
  void add_hook(const std::string& name, TransitionHook hook) { hooks_[name] = std::move(hook); }
  // `type` is a record type's name, or "*" for every type.
  void add_observer(const std::string& type, ChangeObserver observer) {
    observers_.push_back({type, std::move(observer)});
  }
  // `type` is a record type's name, or "*" for every type; run in the order they were added.
  void add_write_rule(const std::string& type, WriteRule rule) { write_rules_.push_back({type, std::move(rule)}); }
  // Runs every write rule of the record's type; stops at the first error.
  Status check_write(WriteContext& context) const;
  // Runs every observer of the record's type, in the order they were added; stops at an error.
  Status observe(const RecordChange& change) const;
  const ComputedRule* computed(const std::string& name) const;
  const TransitionHook* hook(const std::string& name) const;
  // Every registered name, for the model loader to check references against.
  std::set<std::string> names() const;

 private:
  std::map<std::string, ComputedRule> computed_;
  std::map<std::string, TransitionHook> hooks_;
  std::vector<std::pair<std::string, ChangeObserver>> observers_;
  std::vector<std::pair<std::string, WriteRule>> write_rules_;
};

}  // namespace kanri::engine
