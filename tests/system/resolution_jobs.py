#!/usr/bin/env python3
"""Resolution's background work, with a real SMTP server (Debian's aiosmtpd) on loopback.

  auto-close  a resolved incident the reporter does not answer closes by itself after the
              policy's time (PT2S here), journaled as auto_close by the system with the
              confirmation "auto"; one reopened in time stays open (its timer is cancelled); a
              major incident without its review is not closed automatically.
  top mgmt    a major incident tells top management at its declaration, at an update for
              management and at its resolution: three notifications in the outbox (evidence),
              three mails in the recipient's language, mandatory (cannot be muted).
  trend       activating a policy schedules the daily trend analysis.

    python3 tests/system/resolution_jobs.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import pathlib
import shutil
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402
from sinks import SmtpSink  # noqa: E402

PASSWORD = "Good-Long-Passw0rd-1"
MATRIX = {"high": {"high": "p1", "medium": "p2", "low": "p3"}, "medium": {"high": "p2", "medium": "p3", "low": "p4"},
          "low": {"high": "p3", "medium": "p4", "low": "p4"}}
RISK = {"very_high": "p1", "high": "p2", "medium": "p3", "low": "p4"}


def test(args, t: systest.Checks):
    work = pathlib.Path(tempfile.mkdtemp(prefix="kanri-res-"))
    smtp = None
    try:
        smtp = SmtpSink(work)
        env = {"KANRI_SMTP_HOST": "127.0.0.1", "KANRI_SMTP_PORT": str(smtp.port), "KANRI_MAIL_FROM": "kanri@example.test",
               "KANRI_PUBLIC_URL": "https://kanri.example.test", "KANRI_JOB_POLL_MS": "200"}
        args.env = (args.env or []) + [f"{k}={v}" for k, v in env.items()]
        with harness.Stack.from_args(args) as stack:
            run(t, stack, smtp)
    finally:
        if smtp:
            smtp.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def run(t: systest.Checks, stack: harness.Stack, smtp: SmtpSink):
    s = stack.server

    def ok(r, status, what):
        t.check(r.status == status, what, lambda: r.describe())
        return r.json() if r.body else None

    def wait(pred, what, timeout=20.0):
        t.check(systest.wait_until(pred, timeout, 0.2), what)

    def user(name, display, lang, roles):
        ok(s.request("POST", "/api/v1/users", json={
            "username": name, "display_name": display, "kind": "agent", "password": PASSWORD, "language": lang,
            "email": f"{name}@example.test", "roles": roles}), 201, f"user {name}")
        return s.create_token(name)

    user("ceo", "社長 一郎", "ja", ["top_management"])
    desk = user("desk", "Desk Agent", "en", ["service_desk_agent"])
    caller = user("caller", "Caller", "en", ["requester"])

    doc = ok(s.request("POST", "/api/v1/documents", json={"title": "Major incident procedure", "owner": "admin"}), 201,
             "the procedure document")
    policy = ok(s.request("POST", "/api/v1/resolution_policies", json={
        "name": "Fast closure", "active": True, "auto_close_after": "PT2S", "priority_matrix": MATRIX,
        "security_priority": RISK, "major_procedure": doc["id"]}), 201, "a policy closing after 2 s")

    t.step("trend: activating the policy schedules the daily analysis")
    jobs = ok(s.request("GET", "/api/v1/jobs?key=resolution:trend_analysis&state=pending"), 200, "the analysis timer")
    t.check(len(jobs["items"]) == 1 and jobs["items"][0]["kind"] == "resolution.trend_analysis", "is pending", jobs)

    t.step("auto-close: a resolved incident without a reply closes by itself, journaled as such")
    inc = ok(s.request("POST", "/api/v1/incidents", json={"title": "Printer offline", "reporter": "caller"}, token=desk), 201,
             "an incident")
    ok(s.request("POST", f"/api/v1/incidents/{inc['number']}/transitions/resolve",
                 json={"resolution": "Power cable replaced", "resolution_code": "solved"}, token=desk), 200, "resolved")
    wait(lambda: s.request("GET", f"/api/v1/incidents/{inc['number']}").json().get("state") == "closed",
         "it closes after the policy's time")
    got = s.request("GET", f"/api/v1/incidents/{inc['number']}").json()
    t.check(got.get("confirmation") == "auto" and got.get("closed_at"), "confirmation is auto, with the time", got)
    hist = s.request("GET", f"/api/v1/incidents/{inc['number']}/history").json()["items"]
    last = hist[-1]
    t.check(last["action"] == "auto_close" and last.get("principal") in ("system", None), "journaled as auto_close by the system",
            last)

    t.step("auto-close: a reopened incident stays open")
    inc2 = ok(s.request("POST", "/api/v1/incidents", json={"title": "Scanner slow", "reporter": "caller"}, token=desk), 201,
              "another incident")
    ok(s.request("POST", f"/api/v1/incidents/{inc2['number']}/transitions/resolve",
                 json={"resolution": "Driver updated", "resolution_code": "solved"}, token=desk), 200, "resolved")
    ok(s.request("POST", f"/api/v1/incidents/{inc2['number']}/transitions/reopen", json={}, token=caller), 200,
       "the reporter reopens it at once")
    pending = s.request("GET", f"/api/v1/jobs?key=incident:{inc2['id']}:auto_close&state=pending").json()["items"]
    t.check(pending == [], "its closure timer is cancelled", pending)
    systest.wait_until(lambda: False, 3.0, 0.5)
    t.check(s.request("GET", f"/api/v1/incidents/{inc2['number']}").json().get("state") == "in_progress",
            "and it is still in progress after the policy's time")

    t.step("top management: told of a major incident at declaration, update and resolution")
    mi = ok(s.request("POST", "/api/v1/incidents", json={"title": "基幹システム停止", "impact": "high", "urgency": "high"},
                      token=desk), 201, "a priority 1 incident")
    t.check(mi["major_candidate"] is True, "is a major incident candidate", mi)
    ok(s.request("POST", f"/api/v1/incidents/{mi['number']}/transitions/declare_major",
                 json={"major_manager": "admin", "major_update": "全拠点で基幹システムが停止"}), 200, "declared")
    etag = s.request("GET", f"/api/v1/incidents/{mi['number']}").header("ETag")
    ok(s.request("PATCH", f"/api/v1/incidents/{mi['number']}", json={"major_update": "11:40 復旧見込み"},
                 headers={"If-Match": etag}), 200, "an update for management")
    ok(s.request("POST", f"/api/v1/incidents/{mi['number']}/transitions/resolve",
                 json={"resolution": "Storage failover", "resolution_code": "solved"}), 200, "resolved")
    wait(lambda: len(smtp.to("ceo@example.test")) >= 3, "three mails reach top management")
    mails = [m for _, m in smtp.to("ceo@example.test")]
    subjects = [str(m["Subject"]) for m in mails]
    t.check(all("重大インシデント" in x for x in subjects), "in Japanese, the recipient's language", subjects)
    t.check(any("宣言" in x for x in subjects) and any("更新" in x for x in subjects) and any("解決" in x for x in subjects),
            "one for each stage", subjects)
    outbox = ok(s.request("GET", "/api/v1/notifications?event=major_incident"), 200, "the outbox")
    to_ceo = [n for n in outbox["items"] if "ceo" in str(n.get("recipient", ""))]
    t.check(len(to_ceo) == 3, "holds the three notices to top management as evidence", outbox)

    t.step("auto-close: a major incident is not closed automatically before its review")
    systest.wait_until(lambda: False, 3.0, 0.5)
    t.check(s.request("GET", f"/api/v1/incidents/{mi['number']}").json().get("state") == "resolved",
            "the major incident is still resolved, waiting for its review")


if __name__ == "__main__":
    sys.exit(systest.main(test, "resolution: automatic closure, top management notices, trend analysis timer"))
