#include "notify/notifier.h"

#include <chrono>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "core/crypto.h"
#include "engine/access.h"
#include "engine/field_codec.h"
#include "notify/smtp.h"
#include "notify/webhook.h"
#include "store/accounts.h"
#include "store/jobs.h"
#include "store/journal.h"

namespace kanri::notify {

using json = nlohmann::json;
using jobs::Outcome;

namespace {

// Whether the record's fields (and state) equal every value the subscription names: as they
// were at the event when it carries a snapshot, else as they are now.
bool conditions_hold(const store::Subscription& s, const store::Record& r, const json& snapshot) {
  json cond = json::parse(s.conditions, nullptr, false);
  if (!cond.is_object()) return true;
  for (auto& [name, want] : cond.items()) {
    json have;
    if (snapshot.is_object() && snapshot.contains(name)) {
      have = snapshot[name];
    } else if (name == "state") {
      have = r.state;
    } else if (const model::FieldDef* f = r.type->field(name)) {
      have = engine::encode_field(*f, r.get(*f));
    } else {
      return false;
    }
    if (want.is_array()) {
      bool any = false;
      for (auto& w : want) any = any || w == have;
      if (!any) return false;
    } else if (want != have) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string redact_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  std::string out = url;
  auto host_start = scheme + 3;
  auto path = out.find('/', host_start);
  auto at = out.find('@', host_start);
  if (at != std::string::npos && (path == std::string::npos || at < path)) out.erase(host_start, at + 1 - host_start);
  if (auto q = out.find('?'); q != std::string::npos) out = out.substr(0, q) + "?…";
  return out;
}

namespace {

std::string mail_domain(const std::string& from) {
  auto at = from.find('@');
  return at == std::string::npos ? "kanri.invalid" : from.substr(at + 1);
}

}  // namespace

Notifier::Notifier(const model::Catalogue& catalogue, store::Database& db, const Clock& clock,
                   const auth::Authenticator& authenticator, const Config& config, const Templates& templates)
    : catalogue_(catalogue),
      db_(db),
      clock_(clock),
      authenticator_(authenticator),
      config_(config),
      templates_(templates),
      records_(catalogue, db.dialect()) {}

void Notifier::register_jobs(jobs::Registry& registry) {
  registry.add(jobs::kEventJob, {[this](jobs::JobContext& ctx) { return handle_event(ctx); }, 5, 5'000, 600'000});
  registry.add(kDeliverJob, {[this](jobs::JobContext& ctx) { return handle_delivery(ctx); }, 8, 30'000, 3'600'000});
}

std::string Notifier::record_url(const model::TypeDef& t, const store::Record& r) const {
  return config_.site.url + "/" + t.collection + "/" + r.number;
}

std::string Notifier::display_value(store::Connection& c, const model::FieldDef& f, const json& v,
                                    const std::string& language, const engine::Principal& reader) const {
  if (v.is_null()) return "-";
  switch (f.type) {
    case model::FieldType::user:
      if (v.is_number_integer())
        if (auto u = store::find_user(c, v.get<std::int64_t>())) return u->display_name;
      break;
    case model::FieldType::ref:
    case model::FieldType::org:
      if (v.is_number_integer())
        if (const model::TypeDef* target = catalogue_.type(f.target))
          if (auto rec = records_.find(c, *target, v.get<std::int64_t>())) {
            // A record the recipient may not read shows nothing of itself.
            if (!engine::may_read(reader, *rec)) return "-";
            const model::FieldDef* d = target->field(target->display_field);
            return rec->number + (d ? " " + as_text(rec->get(*d)) : "");
          }
      break;
    case model::FieldType::enumeration:
      if (v.is_string())
        if (auto* e = f.enum_value(v.get<std::string>())) return e->label.in(language);
      break;
    case model::FieldType::boolean:
      if (v.is_boolean()) return v.get<bool>() ? (language == "ja" ? "はい" : "yes") : (language == "ja" ? "いいえ" : "no");
      break;
    default:
      break;
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

json Notifier::template_data(store::Connection& c, const json& payload, const store::Record& r,
                             const std::string& language, const std::string& recipient_name,
                             const engine::Principal& reader) const {
  const model::TypeDef& t = *r.type;
  auto state_label = [&](const json& s) -> std::string {
    if (!s.is_string()) return "-";
    if (t.lifecycle)
      if (auto* st = t.lifecycle->state(s.get<std::string>())) return st->label.in(language);
    return s.get<std::string>();
  };
  const model::FieldDef* display = t.field(t.display_field);
  const std::string event = payload.value("event", "");
  const json& data = payload.contains("data") ? payload["data"] : json::object();
  json d{{"site", {{"name", config_.site.name}, {"url", config_.site.url}}},
         {"recipient", {{"name", recipient_name}}},
         {"actor", {{"name", payload.value("actor", "").empty() ? config_.site.name : payload.value("actor", "")}}},
         {"event", {{"name", event}}},
         {"record", {{"type", t.name},
                     {"type_label", t.label.in(language)},
                     {"number", r.number},
                     {"display", display ? as_text(r.get(*display)) : r.number},
                     {"url", record_url(t, r)},
                     {"state", state_label(r.state)}}}};
  if (data.contains("changes") && data["changes"].is_object()) {
    json changes = json::array();
    for (auto& [name, pair] : data["changes"].items()) {
      if (!pair.is_array() || pair.size() != 2) continue;
      if (name == "state") {
        changes.push_back({{"field", language == "ja" ? "状態" : "State"}, {"from", state_label(pair[0])},
                           {"to", state_label(pair[1])}});
      } else if (const model::FieldDef* f = t.field(name)) {
        if (f->type == model::FieldType::longtext || f->type == model::FieldType::json) continue;
        changes.push_back({{"field", f->label.in(language)}, {"from", display_value(c, *f, pair[0], language, reader)},
                           {"to", display_value(c, *f, pair[1], language, reader)}});
      }
    }
    if (!changes.empty()) d["changes"] = changes;
  }
  if (event == "state_changed" && t.lifecycle) {
    std::string name = data.value("transition", "");
    const model::TransitionDef* tr = t.lifecycle->transition(name);
    d["transition"] = {{"name", name},
                       {"label", tr ? tr->label.in(language) : name},
                       {"from", state_label(data.contains("from") ? data["from"] : json())},
                       {"to", state_label(data.contains("to") ? data["to"] : json())}};
  }
  if (data.contains("assignee_id") && data["assignee_id"].is_number_integer())
    if (auto u = store::find_user(c, data["assignee_id"].get<std::int64_t>()))
      d["assignee"] = {{"name", u->display_name}};
  // Facts a process supplies with its event (an activity, an SLA threshold, a comment…).
  for (const char* key : {"activity", "threshold", "comment", "approval", "task", "major"})
    if (data.contains(key) && data[key].is_object()) d[key] = data[key];
  return d;
}

Outcome Notifier::handle_event(jobs::JobContext& ctx) {
  const json& p = ctx.job.payload;
  const std::string event = p.value("event", "");
  const model::TypeDef* t = catalogue_.type(p.value("record_type", ""));
  if (!t || !templates_.has(event)) return Outcome::dead("unknown event or record type: " + p.dump());
  const std::int64_t record_id = p.value("record_id", std::int64_t{0});
  const std::optional<std::int64_t> actor_id =
      p.contains("actor_id") ? std::optional<std::int64_t>(p["actor_id"].get<std::int64_t>()) : std::nullopt;
  const json& data = p.contains("data") ? p["data"] : json::object();
  const EpochMs now = clock_.now_ms();
  const std::string domain = mail_domain(config_.mail.from);
  const std::string event_key = "ev" + p.value("event_id", "job" + std::to_string(ctx.job.id));
  int created = 0;
  Status s = ctx.finish_with([&](store::Connection& c) -> Status {
    created = 0;
    auto record = records_.find(c, *t, record_id);
    if (!record || record->deleted_at) return ok_status();  // gone before anyone was told
    const store::Record& r = *record;
    auto queue = [&](store::Notification n) {
      n.event = event;
      n.record_type = t->name;
      n.record_id = r.id;
      n.record_number = r.number;
      n.org_id = r.org_id;
      n.template_name = event;
      n.created_at = n.updated_at = now;
      if (n.channel == "email" && n.message_id.empty())
        n.message_id = "<kanri." + std::to_string(ctx.job.id) + "." + random_token(6) + "@" + domain + ">";
      if (!store::insert_notification(c, n)) return;  // this event already made it (a retry)
      ++created;
      if (n.state != "queued") return;
      store::JobSpec deliver;
      deliver.kind = kDeliverJob;
      deliver.payload = {{"notification_id", n.id}};
      deliver.due_at = now;
      deliver.org_id = r.org_id;
      deliver.max_attempts = 8;
      store::schedule_job(c, deliver, now);
    };
    // Each person is looked up once per event, however many subscriptions reach them.
    struct Person {
      bool loaded = false, may_read = false;
      std::optional<store::User> user;
      std::vector<std::int64_t> muted;
      engine::Principal principal;
    };
    std::map<std::int64_t, Person> people;
    std::set<std::int64_t> told;
    // Tells one person by e-mail, once per event, when they may read the record; `sub` is the
    // subscription that reaches them (none for the people a process names itself).
    auto tell = [&](std::int64_t uid, std::optional<std::int64_t> sub_id, bool mandatory) {
      // One mail per person per event, whichever subscriptions reach them.
      if (told.count(uid)) return;
      // Whoever caused the change knows of it, unless the rule says everyone must be told.
      if (actor_id && uid == *actor_id && !mandatory) return;
      Person& person = people.try_emplace(uid).first->second;
      if (!person.loaded) {
        person.loaded = true;
        person.user = store::find_user(c, uid);
        if (person.user && person.user->active) {
          person.muted = store::muted_subscriptions(c, uid);
          person.principal = authenticator_.principal_for(c, *person.user);
          // Nobody is told of a record they may not read: a notification must not leak it.
          person.may_read = engine::may_read(person.principal, r);
          // A work-log entry is internal: only those who may update the record are told of it.
          if (data.contains("comment") && data["comment"].is_object() &&
              data["comment"].value("kind", "") == "work_log")
            person.may_read = person.may_read &&
                              engine::within_scope(person.principal, person.principal.scope(t->name, "update"), r);
        }
      }
      if (!person.may_read) return;
      if (!mandatory && sub_id && std::find(person.muted.begin(), person.muted.end(), *sub_id) != person.muted.end())
        return;
      told.insert(uid);
      const store::User* u = &*person.user;
      const engine::Principal& rp = person.principal;
      store::Notification n;
      n.dedupe = event_key + ":user" + std::to_string(uid);  // a retried event makes it once
      n.subscription_id = sub_id;
      n.recipient_user_id = uid;
      n.recipient = u->email;
      n.channel = "email";
      n.language = u->language == "en" ? "en" : "ja";
      Rendered text = templates_.render(event, n.language, template_data(c, p, r, n.language, u->display_name, rp));
      n.subject = text.subject;
      n.body = text.body;
      if (u->email.empty()) {
        n.state = "skipped";
        n.last_error = "the user has no e-mail address";
      }
      queue(std::move(n));
    };
    // The people the process itself names (an SLA threshold's notify action), whoever subscribes.
    if (data.contains("recipient_ids") && data["recipient_ids"].is_array())
      for (auto& id : data["recipient_ids"])
        if (id.is_number_integer()) tell(id.get<std::int64_t>(), std::nullopt, true);
    for (const store::Subscription& sub : store::matching_subscriptions(c, event, t->name)) {
      if (sub.org_id && r.org_id != sub.org_id) continue;
      if (!conditions_hold(sub, r, data.contains("snapshot") ? data["snapshot"] : json())) continue;
      if (sub.channel == "webhook") {
        store::Notification n;
        n.dedupe = event_key + ":sub" + std::to_string(sub.id);
        n.subscription_id = sub.id;
        n.recipient = sub.recipient;
        n.channel = "webhook";
        n.language = "en";
        n.subject = event + " " + r.number;
        // A webhook receiver is a system the administrator chose: it sees what the system sees.
        json d = template_data(c, p, r, "en", "", engine::Principal::system());
        json body{{"event", event},
                  {"occurred_at", format_timestamp(p.value("at", now))},
                  {"subscription", sub.name},
                  {"record", {{"type", t->name}, {"id", r.id}, {"number", r.number}, {"display", d["record"]["display"]},
                              {"state", r.state.empty() ? json() : json(r.state)}, {"url", d["record"]["url"]}}},
                  {"actor", p.value("actor", "")},
                  {"data", data}};
        n.body = body.dump();
        queue(std::move(n));
        continue;
      }
      // E-mail: the people the subscription names.
      std::vector<std::int64_t> users;
      if (sub.recipient_kind == "user") {
        if (auto u = store::find_user_by_name(c, sub.recipient)) users.push_back(u->id);
      } else if (sub.recipient_kind == "group") {
        users = store::active_group_member_ids(c, sub.recipient);
      } else if (sub.recipient_kind == "role") {
        users = store::role_holder_ids(c, sub.recipient);
      } else if (sub.recipient_kind == "field") {
        if (const model::FieldDef* f = t->field(sub.recipient); f && f->type == model::FieldType::user)
          if (!is_null(r.get(*f))) users.push_back(as_int(r.get(*f)));
      } else if (sub.recipient_kind == "assignee") {
        if (data.contains("assignee_id") && data["assignee_id"].is_number_integer())
          users.push_back(data["assignee_id"].get<std::int64_t>());
      }
      for (std::int64_t uid : users) tell(uid, sub.id, sub.mandatory);
    }
    return ok_status();
  });
  if (!s) return Outcome::retry(s.error().code);
  if (created > 0) jobs::wake();
  return Outcome::done();
}

Outcome Notifier::handle_delivery(jobs::JobContext& ctx) {
  const std::int64_t id = ctx.job.payload.value("notification_id", std::int64_t{0});
  std::optional<store::Notification> found;
  std::string to_name, thread_key;
  db_.read([&](store::Connection& c) {
    found = store::find_notification(c, id);
    if (found && found->recipient_user_id)
      if (auto u = store::find_user(c, *found->recipient_user_id)) to_name = u->display_name;
  });
  if (!found) return Outcome::dead("notification " + std::to_string(id) + " no longer exists");
  store::Notification& n = *found;
  // Already settled. A dead one runs again only when an administrator retried its job.
  if (n.state == "sent" || n.state == "skipped") return Outcome::done();

  DeliveryResult result;
  const EpochMs started = clock_.now_ms();
  auto t0 = std::chrono::steady_clock::now();
  if (n.channel == "webhook") {
    std::string secret;
    if (n.subscription_id)
      db_.read([&](store::Connection& c) {
        if (auto sub = store::find_subscription(c, *n.subscription_id)) secret = sub->secret;
      });
    WebhookRequest w;
    w.url = n.recipient;
    w.secret = secret;
    w.body = n.body;
    w.event = n.event;
    w.delivery_id = "kanri-n" + std::to_string(n.id);  // the same on every retry, so receivers can deduplicate
    w.timestamp_ms = started;
    w.timeout_ms = config_.mail.webhook_timeout_seconds * 1000;
    result = post_webhook(w);
  } else if (config_.mail.smtp_host.empty()) {
    result.ok = false;
    result.permanent = false;
    result.reply = "no SMTP server is configured (set [mail] smtp_host or KANRI_SMTP_HOST)";
  } else {
    SmtpSettings s;
    s.host = config_.mail.smtp_host;
    s.port = static_cast<std::uint16_t>(config_.mail.smtp_port);
    s.security = config_.mail.security == "starttls" ? SmtpSettings::Security::starttls
                 : config_.mail.security == "tls"    ? SmtpSettings::Security::tls
                                                     : SmtpSettings::Security::none;
    s.verify_certificate = config_.mail.verify_certificate;
    s.ca_file = config_.mail.ca_file;
    s.username = config_.mail.username;
    s.password = config_.mail.password;
    s.timeout_ms = config_.mail.timeout_seconds * 1000;
    MailMessage m;
    m.from = config_.mail.from;
    m.from_name = config_.mail.from_name;
    m.to = n.recipient;
    m.to_name = to_name;
    m.subject = n.subject;
    m.body = n.body;
    m.message_id = n.message_id;
    // Every message about a record names the same thread root, so mail clients keep them
    // together and a reply can be matched to the ticket (with the [number] in the subject).
    std::string root = "<kanri." + n.record_type + "." + std::to_string(n.record_id.value_or(0)) + "@" +
                       mail_domain(config_.mail.from) + ">";
    m.in_reply_to = root;
    m.references = {root};
    m.headers = {{"X-Kanri-Record", n.record_number}, {"X-Kanri-Event", n.event},
                 {"X-Kanri-Notification", std::to_string(n.id)}};
    m.date_ms = started;
    result = send_mail(s, m);
  }
  const std::int64_t took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  const EpochMs now = clock_.now_ms();
  const bool last = result.permanent || ctx.job.attempts >= ctx.job.max_attempts;
  const std::string state = result.ok ? "sent" : last ? "dead" : "retrying";
  auto record_outcome = [&](store::Connection& c) -> Status {
    // Only while this worker still holds the job: a worker that stalled past its lease must
    // not overwrite what the node that took over recorded.
    if (!result.ok && c.query("SELECT 1 FROM jobs WHERE id = ? AND state = 'running' AND claimed_by = ? AND attempts = ?",
                              {ctx.job.id, ctx.job.claimed_by, std::int64_t{ctx.job.attempts}})
                          .empty())
      return ok_status();
    store::insert_attempt(c, {n.id, ctx.job.attempts, started, result.ok, result.code, result.reply, took,
                              ctx.job.claimed_by});
    store::update_notification_delivery(c, n.id, state, ctx.job.attempts, result.ok ? "" : result.reply, now,
                                        result.ok ? std::optional<EpochMs>(now) : std::nullopt);
    // The journal keeps the outcome tamper-evident: that, for example, top management was
    // informed of a major incident, and when.
    if (state != "retrying")
      store::journal_event(c, store::Actor{}, now, "notification", n.id, n.record_number, state,
                           json{{"event", n.event},
                                {"channel", n.channel},
                                {"recipient", redact_url(n.recipient)},
                                {"subject", n.subject},
                                {"record", n.record_number},
                                {"attempts", ctx.job.attempts},
                                {"reply", result.reply}}
                               .dump());
    return ok_status();
  };
  if (result.ok) {
    Status s = ctx.finish_with(record_outcome);
    if (!s) spdlog::warn("notify: notification {} was sent but its claim was lost: {}", n.id, s.error().code);
    return Outcome::done();
  }
  (void)db_.write(record_outcome);
  return last ? Outcome::dead(result.reply) : Outcome::retry(result.reply);
}

json Notifier::to_json(const store::Notification& n, const std::vector<store::DeliveryAttempt>* attempts) {
  auto opt = [](const std::optional<std::int64_t>& v) { return v ? json(*v) : json(); };
  json j{{"id", n.id},
         {"event", n.event},
         {"record", {{"type", n.record_type}, {"id", opt(n.record_id)}, {"number", n.record_number}}},
         {"subscription_id", opt(n.subscription_id)},
         {"recipient_user_id", opt(n.recipient_user_id)},
         {"recipient", n.recipient},
         {"channel", n.channel},
         {"template", n.template_name},
         {"language", n.language},
         {"subject", n.subject},
         {"body", n.body},
         {"state", n.state},
         {"attempts", n.attempts},
         {"last_error", n.last_error.empty() ? json() : json(n.last_error)},
         {"message_id", n.message_id.empty() ? json() : json(n.message_id)},
         {"created_at", format_timestamp(n.created_at)},
         {"updated_at", format_timestamp(n.updated_at)},
         {"sent_at", n.sent_at ? json(format_timestamp(*n.sent_at)) : json()}};
  if (attempts) {
    json log = json::array();
    for (auto& a : *attempts)
      log.push_back({{"attempt", a.attempt}, {"at", format_timestamp(a.at)}, {"ok", a.ok},
                     {"code", a.code}, {"reply", a.reply}, {"duration_ms", a.duration_ms}, {"node", a.node}});
    j["deliveries"] = log;
  }
  return j;
}

}  // namespace kanri::notify
