#!/usr/bin/env python3
"""Background work: the job queue, notifications by e-mail and webhook, periodic activities.

Real components on loopback, started here: an SMTP server (Debian's aiosmtpd,
tests/lib/smtp_sink.py) and HTTP receivers (tests/lib/http_sink.py). Asserted:

  e-mail    a user assigned a service gets one mail in their language: the Japanese subject
            is RFC 2047 encoded and decodes exactly, From/To/Date/Message-ID are there, and
            In-Reply-To/References name the record's thread root, the same for every mail about
            the record; the outbox shows it sent with its delivery log; the journal has it.
  mute      a user mutes "Assigned to me" and gets no more of it; a mandatory one cannot be muted.
  webhook   a subscription's JSON arrives signed (HMAC-SHA256, verified by the receiver and
            here); two 503s are retried with the same delivery id, then 200; the delivery log
            holds all three. A 404 is permanent: the notification and its job are dead, the job
            is listed for administrators, can be retried, and is dead again.
  nodes     three `kanri serve` processes on one database deliver 1,000 webhooks (2,000 jobs):
            every delivery arrives exactly once and every node ran jobs.
  crash     a node killed with SIGKILL in the middle of a delivery: after restart the job is
            taken up again when its lease expires, and the notification is sent (attempt 2).
  group     a group's members are told of a state change only when the record met the
            subscription's condition at the time of the change (not when the worker ran).
  activity  a periodic activity coming due creates its owner's task and tells them; one that
            is overdue tells top management; completing needs existing evidence and moves the
            due date on; moving the date moves the timer; suspending cancels it.

    python3 tests/system/background_work.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import datetime
import email
import email.policy
import hashlib
import hmac
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402
from sinks import SECRET, HttpSink, SmtpSink  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
PASSWORD = "Good-Long-Passw0rd-1"


def header(m, name: str) -> str:
    v = m[name]
    return str(v) if v is not None else ""


def test(args, t: systest.Checks):
    work = pathlib.Path(tempfile.mkdtemp(prefix="kanri-bg-"))
    sinks = []
    try:
        smtp = SmtpSink(work)
        sinks.append(smtp)
        env = {"KANRI_SMTP_HOST": "127.0.0.1", "KANRI_SMTP_PORT": str(smtp.port),
               "KANRI_MAIL_FROM": "kanri@example.test", "KANRI_PUBLIC_URL": "https://kanri.example.test",
               "KANRI_JOB_POLL_MS": "200", "KANRI_JOB_LEASE_MS": "3000", "KANRI_JOB_BACKOFF_MS": "300"}
        args.env = (args.env or []) + [f"{k}={v}" for k, v in env.items()]
        with harness.Stack.from_args(args) as stack:
            run(t, stack, work, smtp, sinks)
    finally:
        for s in sinks:
            s.stop()
        if not args.keep:
            import shutil
            shutil.rmtree(work, ignore_errors=True)


def run(t: systest.Checks, stack: harness.Stack, work: pathlib.Path, smtp: SmtpSink, sinks: list):
    s = stack.server
    db = systest.Db(stack.database_url)

    def ok(r, status, what):
        t.check(r.status == status, what, lambda: r.describe())
        return r.json() if r.body else None

    def wait(pred, what, timeout=20.0):
        t.check(systest.wait_until(pred, timeout, 0.1), what)

    org = ok(s.request("POST", "/api/v1/organizations", json={"name": "Provider", "kind": "provider"}), 201,
             "an organization")["number"]

    def user(name, display, lang, roles):
        ok(s.request("POST", "/api/v1/users", json={
            "username": name, "display_name": display, "kind": "agent", "password": PASSWORD, "language": lang,
            "email": f"{name}@example.test", "organizations": [org], "roles": roles}), 201, f"user {name}")
        return s.create_token(name)

    yamada = user("yamada", "山田 太郎", "ja", ["service_owner"])
    user("smith", "Alex Smith", "en", ["service_desk_agent"])
    user("ceo", "社長 一郎", "ja", ["top_management"])

    # ---- e-mail
    t.step("e-mail: assignment, in the recipient's language, threaded by record")
    svc = ok(s.request("POST", "/api/v1/services", json={"name": "基幹システム", "owner": "yamada", "provider": org}),
             201, "a service owned by yamada")
    wait(lambda: len(smtp.to("yamada@example.test")) == 1, "yamada receives one mail")
    raw, m = smtp.to("yamada@example.test")[0]
    raw_subject = [ln for ln in raw.decode("ascii", "replace").split("\r\n") if ln.lower().startswith("subject:")]
    t.check(raw_subject and "=?utf-8?" in raw_subject[0].lower(), "the raw Subject is an RFC 2047 encoded word",
            raw_subject)
    subject = header(m, "Subject")
    t.check(subject.startswith(f"[{svc['number']}]") and "基幹システム" in subject,
            "the subject decodes to Japanese and starts with the record number", subject)
    t.check("yamada@example.test" in header(m, "To") and "山田" in header(m, "To"), "To names yamada", header(m, "To"))
    t.check("kanri@example.test" in header(m, "From"), "From is the configured sender", header(m, "From"))
    t.check(header(m, "Date") != "" and header(m, "Message-ID").startswith("<"), "Date and Message-ID are there")
    root = f"<kanri.service.{svc['id']}@example.test>"
    t.check(header(m, "In-Reply-To") == root and root in header(m, "References"),
            "In-Reply-To and References name the record's thread", [header(m, "In-Reply-To"), header(m, "References")])
    t.check(header(m, "X-Kanri-Record") == svc["number"], "X-Kanri-Record names the record")
    body = m.get_content()
    t.check(f"https://kanri.example.test/services/{svc['number']}" in body, "the body links to the record", body)
    out = ok(s.request("GET", f"/api/v1/notifications?record={svc['number']}"), 200, "the outbox by record")
    t.check(len(out["items"]) == 1 and out["items"][0]["state"] == "sent"
            and out["items"][0]["recipient"] == "yamada@example.test" and out["items"][0]["language"] == "ja",
            "the outbox has it, sent, in Japanese", out)
    one = ok(s.request("GET", f"/api/v1/notifications/{out['items'][0]['id']}"), 200, "one notification")
    t.check(len(one["deliveries"]) == 1 and one["deliveries"][0]["ok"], "its delivery log has the accepted attempt", one)
    jr = ok(s.request("GET", "/api/v1/journal?record_type=notification"), 200, "the journal of notifications")
    t.check(any(e.get("action") == "sent" for e in jr["items"]), "the journal records the sending", jr)

    # A second mail about the same record lands in the same thread.
    ok(s.request("POST", "/api/v1/subscriptions", json={
        "name": "Service state to its owner", "event": "state_changed", "record_type": "service",
        "recipient_kind": "field", "recipient": "owner"}), 201, "a subscription to state changes for the owner")
    v = s.request("GET", f"/api/v1/services/{svc['id']}").json()["version"]
    ok(s.request("POST", f"/api/v1/services/{svc['id']}/transitions/go_live", json={"live_since": "2026-04-01"},
                 headers={"If-Match": f'"{v}"'}), 200, "the service goes live")
    wait(lambda: len(smtp.to("yamada@example.test")) == 2, "yamada receives the state change")
    _, m2 = smtp.to("yamada@example.test")[1]
    t.check(header(m2, "References") == header(m, "References") and header(m2, "Message-ID") != header(m, "Message-ID"),
            "the second mail is in the same thread, with its own Message-ID")

    en = ok(s.request("POST", "/api/v1/services", json={"name": "Mail", "owner": "smith", "provider": org}), 201,
            "a service owned by smith")
    wait(lambda: len(smtp.to("smith@example.test")) == 1, "smith receives one mail")
    _, me = smtp.to("smith@example.test")[0]
    t.check(header(me, "Subject").startswith(f"[{en['number']}]") and "Mail" in header(me, "Subject")
            and all(ord(ch) < 128 for ch in header(me, "Subject")), "smith's subject is in English", header(me, "Subject"))

    # ---- mute
    t.step("mute: what one's role allows, never a mandatory one")
    mine = ok(s.request("GET", "/api/v1/me/subscriptions", token=yamada), 200, "yamada's subscriptions")
    by_name = {x["name"]: x for x in mine["items"]}
    t.check("Assigned to me" in by_name and by_name["Assigned to me"]["may_mute"], "yamada may mute 'Assigned to me'", mine)
    due_sub = by_name.get("My periodic activity is due")
    t.check(due_sub and due_sub["mandatory"] and not due_sub["may_mute"], "the due-activity one is mandatory", mine)
    ok(s.request("PUT", f"/api/v1/me/subscriptions/{by_name['Assigned to me']['id']}/mute", token=yamada), 204,
       "yamada mutes it")
    r = s.request("PUT", f"/api/v1/me/subscriptions/{due_sub['id']}/mute", token=yamada)
    t.check(r.status == 409, "a mandatory subscription cannot be muted (409)", lambda: r.describe())
    ceo_token = s.create_token("ceo")
    r = s.request("PUT", f"/api/v1/me/subscriptions/{by_name['Assigned to me']['id']}/mute", token=ceo_token)
    t.check(r.status == 403, "top management's role does not allow muting (403)", lambda: r.describe())
    quiet = ok(s.request("POST", "/api/v1/services", json={"name": "Quiet", "owner": "yamada", "provider": org}), 201,
               "another service for yamada")
    ok(s.request("POST", "/api/v1/services", json={"name": "Loud", "owner": "smith", "provider": org}), 201,
       "and one for smith after it")
    wait(lambda: len(smtp.to("smith@example.test")) == 2, "smith's second mail arrives")
    t.check(len(smtp.to("yamada@example.test")) == 2, "yamada got nothing for the muted subscription")
    out = ok(s.request("GET", f"/api/v1/notifications?record={quiet['number']}"), 200, "outbox of the quiet one")
    t.check(out["items"] == [], "and no notification was made", out)

    # A group's active members are told, when the record meets the subscription's conditions.
    t.step("a group subscription with a condition")
    ok(s.request("POST", "/api/v1/groups", json={"name": "cab", "display_name": "変更諮問委員会", "organization": org,
                                                 "members": ["smith", "ceo"]}), 201, "a group of smith and ceo")
    ok(s.request("POST", "/api/v1/subscriptions", json={
        "name": "Retirements to the CAB", "event": "state_changed", "record_type": "service",
        "conditions": {"state": "retiring"}, "recipient_kind": "group", "recipient": "cab"}), 201,
       "a subscription of the group to services starting retirement")
    before = len(smtp.to("smith@example.test"))
    v = s.request("GET", f"/api/v1/services/{en['id']}").json()["version"]
    ok(s.request("POST", f"/api/v1/services/{en['id']}/transitions/go_live", json={"live_since": "2026-04-01"},
                 headers={"If-Match": f'"{v}"'}), 200, "smith's service goes live (the condition does not hold)")
    v = s.request("GET", f"/api/v1/services/{en['id']}").json()["version"]
    ok(s.request("POST", f"/api/v1/services/{en['id']}/transitions/start_retirement",
                 json={"retirement_reason": "replaced"}, headers={"If-Match": f'"{v}"'}), 200, "and starts retirement")
    wait(lambda: len(smtp.to("smith@example.test")) > before, "smith hears of the retirement")
    time.sleep(1.0)
    new = [header(mm, "Subject") for _, mm in smtp.to("smith@example.test")[before:]]
    t.check(sorted(new) == sorted([f"[{en['number']}] Start retirement: Mail", f"[{en['number']}] Go live: Mail"]),
            "smith, the owner, hears of both transitions, and of the retirement once though two subscriptions "
            "reach him", new)
    ceo_n = s.request("GET", f"/api/v1/notifications?record={en['number']}&recipient=ceo").json()["items"]
    t.check(len(ceo_n) == 1 and ceo_n[0]["event"] == "state_changed" and "廃止を開始" in ceo_n[0]["subject"],
            "the group's other member is told of the retirement only (the condition held then)", ceo_n)

    # ---- comments (engine/record_extras.h): the commented event; a work-log entry is told only
    # to those who may update the record.
    t.step("comments: the commented event carries the text; the work log reaches only who may update")
    ok(s.request("POST", "/api/v1/subscriptions", json={
        "name": "Comments to the CAB", "event": "commented", "record_type": "service",
        "recipient_kind": "group", "recipient": "cab"}), 201, "a subscription of the group to comments on services")
    before = len(smtp.to("smith@example.test"))
    ok(s.request("POST", f"/api/v1/services/{en['id']}/comments", json={"body": "Backup window moved to 02:00"}), 201,
       "admin comments on smith's service")
    wait(lambda: len(smtp.to("smith@example.test")) > before, "smith is told of the comment")
    _, mc = smtp.to("smith@example.test")[before]
    t.check("Backup window moved to 02:00" in mc.get_content() and "New comment" in header(mc, "Subject"),
            "the mail carries the comment's text", [header(mc, "Subject"), mc.get_content()])
    ok(s.request("POST", f"/api/v1/services/{en['id']}/comments",
                 json={"body": "internal: vendor ticket 4711", "kind": "work_log"}), 201, "admin adds a work-log entry")
    wait(lambda: len(smtp.to("smith@example.test")) > before + 1, "smith (may update) is told of the work-log entry")
    time.sleep(1.0)
    ceo_c = s.request("GET", f"/api/v1/notifications?record={en['number']}&recipient=ceo&event=commented").json()["items"]
    t.check(len(ceo_c) == 1 and "vendor ticket" not in ceo_c[0]["body"],
            "top management (reads, may not update) is told of the comment but not of the work-log entry", ceo_c)

    # ---- webhooks
    t.step("webhook: signed, retried with backoff, logged; permanent failures are dead and retriable")
    flaky = HttpSink(work, "flaky", "--fail-first", "2")
    sinks.append(flaky)
    sub = ok(s.request("POST", "/api/v1/subscriptions", json={
        "name": "Orgs to the CMDB", "event": "created", "record_type": "organization", "recipient_kind": "url",
        "recipient": flaky.url, "secret": SECRET}), 201, "a webhook subscription")
    t.check(sub["secret_set"] and "secret" not in sub, "the given secret is kept and not shown", sub)
    listed = ok(s.request("GET", f"/api/v1/subscriptions/{sub['id']}"), 200, "read it back")
    t.check("secret" not in listed, "a secret is never shown again", listed)
    o1 = ok(s.request("POST", "/api/v1/organizations", json={"name": "Customer W", "kind": "customer"}), 201, "an org")
    wait(lambda: len(flaky.requests()) >= 3, "the receiver sees three attempts")
    reqs = flaky.requests()
    ids = {q["headers"].get("X-Kanri-Delivery") for q in reqs}
    t.check(len(ids) == 1, "every attempt carries the same delivery id", ids)
    last = reqs[-1]
    t.check(last["signature_valid"], "the receiver verified the signature", last)
    ts = last["headers"]["X-Kanri-Timestamp"]
    mac = hmac.new(SECRET.encode(), f"{ts}.{last['body']}".encode(), hashlib.sha256).hexdigest()
    t.check(last["headers"]["X-Kanri-Signature"] == f"sha256={mac}", "and it verifies here too", last["headers"])
    payload = json.loads(last["body"])
    t.check(payload["event"] == "created" and payload["record"]["number"] == o1["number"], "the JSON names the event and record", payload)
    def sent():
        r = s.request("GET", f"/api/v1/notifications?record={o1['number']}&channel=webhook")
        return r.status == 200 and r.json()["items"] and r.json()["items"][0]["state"] == "sent"
    wait(sent, "the webhook notification is sent")
    n = s.request("GET", f"/api/v1/notifications?record={o1['number']}").json()["items"][0]
    log = s.request("GET", f"/api/v1/notifications/{n['id']}").json()["deliveries"]
    t.check([d["code"] for d in log] == [503, 503, 200] and n["attempts"] == 3, "the delivery log: 503, 503, 200", log)

    gone = HttpSink(work, "gone", "--status", "404")
    sinks.append(gone)
    ok(s.request("PATCH", f"/api/v1/subscriptions/{sub['id']}", json={"recipient": gone.url}), 200,
       "the webhook moves to a URL that answers 404")
    o2 = ok(s.request("POST", "/api/v1/organizations", json={"name": "Customer X", "kind": "customer"}), 201, "an org")
    def dead_job():
        r = s.request("GET", "/api/v1/jobs?state=dead&kind=notify.deliver")
        return r.json()["items"] if r.status == 200 else []
    wait(lambda: dead_job(), "a dead delivery job is listed for administrators")
    dj = dead_job()[0]
    t.check(dj["attempts"] == 1 and "404" in (dj["last_error"] or ""), "dead after one attempt, with the reply", dj)
    n2 = s.request("GET", f"/api/v1/notifications?record={o2['number']}").json()["items"][0]
    t.check(n2["state"] == "dead" and "404" in n2["last_error"], "the notification is dead with the reply", n2)
    q = ok(s.request("GET", "/api/v1/queues"), 200, "the queues")
    t.check(any(x["kind"] == "notify.deliver" and x["state"] == "dead" and x["count"] >= 1 for x in q["items"]),
            "the queues count the dead job", q)
    r = s.request("GET", "/api/v1/queues", token=yamada)
    t.check(r.status == 403, "a service owner may not see the queues", lambda: r.describe())
    ok(s.request("POST", f"/api/v1/jobs/{dj['id']}/retry"), 200, "an administrator retries it")
    wait(lambda: len(gone.requests()) >= 2, "it is tried again")
    wait(lambda: s.request("GET", f"/api/v1/jobs/{dj['id']}").json()["state"] == "dead", "and is dead again")
    r = s.request("POST", f"/api/v1/jobs/{dj['id']}/discard")
    t.check(r.status == 200 and r.json()["state"] == "cancelled", "and can be discarded", lambda: r.describe())
    bad = s.request("POST", "/api/v1/subscriptions", json={"name": "x", "event": "exploded", "record_type": "nope",
                                                         "recipient_kind": "url", "recipient": "ftp://x", "colour": 1})
    t.check(bad.status == 422 and [e["field"] for e in bad.json()["errors"]] == ["event", "record_type", "colour"],
            "a bad subscription names each wrong field", lambda: bad.describe())

    # ---- several nodes
    t.step("three nodes on one database: every job once")
    many = HttpSink(work, "many")
    sinks.append(many)
    ok(s.request("PATCH", f"/api/v1/subscriptions/{sub['id']}", json={"recipient": many.url}), 200, "to a fresh receiver")
    nodes = [s, stack.add_server(name="node2"), stack.add_server(name="node3")]
    for nd in nodes[1:]:
        nd.start()
    N = 1000
    numbers = set()
    for i in range(N):
        r = nodes[i % 3].request("POST", "/api/v1/organizations", json={"name": f"Bulk {i}", "kind": "customer"})
        if r.status == 201:
            numbers.add(r.json()["number"])
    t.check(len(numbers) == N, f"{N} organizations created across the nodes")
    wait(lambda: len(many.requests()) >= N, f"{N} webhooks arrive", timeout=120)
    time.sleep(1.0)
    got = [json.loads(q["body"])["record"]["number"] for q in many.requests()]
    t.check(len(got) == N and set(got) == numbers, "each arrives exactly once", (len(got), len(set(got))))
    claimers = db.query("SELECT claimed_by, COUNT(*) FROM jobs WHERE state = 'done' AND kind IN "
                        "('notify.event', 'notify.deliver') GROUP BY claimed_by")
    pids = {str(nd.process.pid) for nd in nodes}
    ran = {c.split(":")[1] for c, _ in claimers if c and c.count(":") >= 2}
    t.check(pids <= ran, "every node ran some of the jobs", claimers)
    twice = db.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'notify.deliver' AND state = 'done' AND attempts > 1 "
                      "AND payload NOT LIKE '%\"notification_id\":" + str(n["id"]) + "}%'")
    t.check(int(twice) == 0, "no delivery job needed a second attempt", twice)
    for nd in nodes[1:]:
        nd.stop()

    # ---- a crash mid-job
    t.step("a crash in the middle of a delivery: retried after the lease, not lost")
    slow = HttpSink(work, "slow", "--delay", "3")
    sinks.append(slow)
    ok(s.request("PATCH", f"/api/v1/subscriptions/{sub['id']}", json={"recipient": slow.url}), 200, "to a slow receiver")
    o3 = ok(s.request("POST", "/api/v1/organizations", json={"name": "Customer Crash", "kind": "customer"}), 201, "an org")
    wait(lambda: int(db.scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'notify.deliver' AND state = 'running'") or 0) == 1,
         "the delivery is running")
    time.sleep(0.5)
    s.kill9()
    s.start()
    def crash_sent():
        r = s.request("GET", f"/api/v1/notifications?record={o3['number']}")
        return r.status == 200 and r.json()["items"] and r.json()["items"][0]["state"] == "sent"
    wait(crash_sent, "after the restart the notification is sent", timeout=30)
    n3 = s.request("GET", f"/api/v1/notifications?record={o3['number']}").json()["items"][0]
    job = db.query("SELECT attempts, state FROM jobs WHERE kind = 'notify.deliver' AND payload LIKE "
                   f"'%\"notification_id\":{n3['id']}}}%'")
    t.check(job and int(job[0][0]) == 2 and job[0][1] == "done", "its job is done on the second attempt", job)

    # ---- periodic activities
    t.step("periodic activities: due → task and notice; overdue → top management; completion needs evidence")
    today = datetime.date.today()
    pa = ok(s.request("POST", "/api/v1/periodic_activities", json={
        "title": "SLA review", "kind": "sla_review", "clause": "20000-1:8.3.3", "owner": "yamada",
        "organization": org, "interval": "P90D", "lead_time": "P7D",
        "next_due_on": (today + datetime.timedelta(days=3)).isoformat()}), 201, "an activity due in 3 days")
    def tasks():
        r = s.request("GET", f"/api/v1/tasks?activity={pa['id']}")
        return r.json()["items"] if r.status == 200 else []
    wait(lambda: tasks(), "its task is created (inside the lead time)")
    task = tasks()[0]
    t.check(task["assignee"]["id"] is not None and task["due_on"] == pa["next_due_on"], "for the owner, due then", task)
    wait(lambda: any("SLA review" in header(mm, "Subject") for _, mm in smtp.to("yamada@example.test")),
         "yamada is told it is due (mandatory, though they muted assignments)")
    both = ok(s.request("POST", "/api/v1/periodic_activities", json={
        "title": "x", "owner": "yamada", "interval": "P30D", "calendar_rule": "FREQ=MONTHLY;BYMONTHDAY=1",
        "next_due_on": today.isoformat()}), 422, "interval and rule together are refused")
    t.check(both["errors"][0]["code"] == "activity.interval_and_rule", "with a clear reason", both)
    v = pa["version"]
    r = s.request("POST", f"/api/v1/periodic_activities/{pa['id']}/transitions/complete",
                  json={"evidence": "DOC-999999", "completed_on": today.isoformat()}, headers={"If-Match": f'"{v}"'})
    t.check(r.status == 422 and r.json()["errors"][0]["code"] == "activity.evidence_not_found",
            "a completion without existing evidence is refused", lambda: r.describe())
    r = s.request("POST", f"/api/v1/periodic_activities/{pa['id']}/transitions/complete",
                  json={"evidence": svc["number"], "completed_on": today.isoformat()}, headers={"If-Match": f'"{v}"'})
    done = ok(r, 200, "completion with evidence")
    t.check(done["next_due_on"] == (today + datetime.timedelta(days=90)).isoformat() and done["completions"] == 1,
            "moves the due date on by the interval", done)
    jobs = ok(s.request("GET", f"/api/v1/jobs?key=periodic_activity:{pa['id']}:due&state=pending"), 200, "its timer")
    due_at = (datetime.datetime.combine(today + datetime.timedelta(days=83), datetime.time())).strftime("%Y-%m-%d")
    t.check(len(jobs["items"]) == 1 and jobs["items"][0]["due_at"].startswith(due_at),
            "the due timer moved to 7 days before the new date", jobs)
    v = done["version"]
    ok(s.request("POST", f"/api/v1/periodic_activities/{pa['id']}/transitions/suspend", json={},
                 headers={"If-Match": f'"{v}"'}), 200, "suspend it")
    jobs = s.request("GET", f"/api/v1/jobs?key=periodic_activity:{pa['id']}:due&state=pending").json()
    t.check(jobs["items"] == [], "suspending cancels the timer", jobs)

    late = ok(s.request("POST", "/api/v1/periodic_activities", json={
        "title": "Management review", "kind": "management_review", "clause": "20000-1:9.3", "owner": "smith",
        "organization": org, "calendar_rule": "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15",
        "next_due_on": (today - datetime.timedelta(days=2)).isoformat()}), 201, "an activity two days overdue")
    wait(lambda: any("Management review" in header(mm, "Subject") for _, mm in smtp.to("ceo@example.test")),
         "top management is told it is overdue")
    listing = ok(s.request("GET", f"/api/v1/periodic_activities?state=active&next_due_on[lte]="
                              f"{(today - datetime.timedelta(days=1)).isoformat()}", token=ceo_token), 200,
                 "top management lists what is overdue")
    t.check([x["number"] for x in listing["items"]] == [late["number"]], "and sees it", listing)
    verify = s.run("journal", "verify", check=False)
    t.check(verify.returncode == 0, "the journal verifies", verify.stdout + verify.stderr)


if __name__ == "__main__":
    sys.exit(systest.main(test, "background work: queue, notifications, webhooks, periodic activities"))
