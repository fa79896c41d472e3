#!/usr/bin/env python3
"""XLSX export of record lists: GET /api/v1/{collection}/export?format=xlsx, read back with openpyxl.

Services with Japanese text, numbers, dates, a date-time, a duration, an enum, a reference (the
providing organization) and a user (the owner), and organizations (a boolean) are exported as
workbooks and opened with openpyxl (Debian's, under /usr/bin/python3: tests/lib/xlsx_dump.py).
Asserted:

  sheet     one sheet named after the type's plural label in the request's language; the bold
            header of field labels in that language is frozen and carries the autofilter over
            every row; columns are wider than the default where the text is long.
  cells     the same columns and values as the CSV and JSON exports: the number and references
            as strings, the owner by name, numbers as numeric cells, booleans as booleans,
            dates and date-times as real dates with a date format (UTC by default, ?tz= moves
            date-times), durations as times, enums and states as their label; a text that starts
            with "=" is a plain string, never a formula; an empty field is an empty cell.
  access    a reference the exporting user may not read shows its id only.
  http      Accept: the XLSX type without ?format= gives XLSX; the file is named
            <collection>-<yyyymmdd>.xlsx; CSV stays the default; an unknown format or time zone
            is 422 problem+json with a message in Japanese and in English.
  journal   every export is journaled with its query, count and format; a refused one is not.

    python3 tests/system/export_xlsx.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import csv as csvlib
import datetime
import io
import json
import pathlib
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, which has python3-openpyxl
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PASSWORD = "Export-Passw0rd-xlsx-1"

SERVICE_HEADERS_JA = ["番号", "状態", "作成日時", "更新日時", "サービス名", "説明", "提供組織", "サービスオーナー", "重要度",
                      "可用性目標（%）", "利用者数", "サポート時間", "サービス時間", "重要度区分", "重要度の等級", "機密性",
                      "完全性", "可用性（重要度）", "重要度（要約）", "内部メモ", "稼働開始日", "レビュー間隔", "次回レビュー日",
                      "最終インシデント日時", "廃止理由", "追加属性"]
SERVICE_HEADERS_EN = ["Number", "State", "Created", "Updated", "Name", "Description", "Providing organization",
                      "Service owner", "Criticality", "Availability target (%)", "Number of users", "Support hours",
                      "Service hours", "Importance scheme", "Importance class", "Confidentiality", "Integrity",
                      "Availability (importance)", "Importance", "Internal notes", "Live since", "Review interval", "Next review", "Last incident", "Retirement reason",
                      "Additional attributes"]


def read_workbook(t: systest.Checks, data: bytes, what: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
        f.write(data)
        f.flush()
        p = subprocess.run([SYSTEM_PYTHON, str(ROOT / "tests/lib/xlsx_dump.py"), f.name], capture_output=True,
                           text=True, timeout=60)
    t.check(p.returncode == 0, f"{what}: openpyxl opens the workbook", lambda: p.stderr[-3000:])
    return json.loads(p.stdout)


def export(t: systest.Checks, srv, query: str, what: str, lang: str = "ja"):
    r = srv.request("GET", f"/api/v1/services/export?{query}", headers={"Accept-Language": lang})
    t.check(r.status == 200, f"{what}: 200", lambda: r.describe())
    return r


def parse_iso(s: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def test(args, t: systest.Checks):
    with harness.Stack.from_args(args) as stack:
        srv = stack.server
        t.step("records to export")
        r = srv.request("POST", "/api/v1/organizations", json={"name": "東京データセンター株式会社", "kind": "provider"})
        t.check(r.status == 201, "create the providing organization", lambda: r.describe())
        org = r.json()
        r = srv.request("POST", "/api/v1/organizations",
                        json={"name": "子会社", "kind": "customer", "parent": org["number"], "active": False})
        t.check(r.status == 201, "create a child organization, inactive", lambda: r.describe())
        child = r.json()
        r = srv.request("POST", "/api/v1/users", json={"username": "owner-xlsx", "display_name": "山田 太郎",
                                                       "kind": "agent", "password": PASSWORD})
        t.check(r.status == 201, "create the owner, with a Japanese name", lambda: r.describe())
        description = '=HYPERLINK("http://example.com/x","クリック")'
        r = srv.request("POST", "/api/v1/services", json={
            "name": "メール配信サービス", "description": description, "provider": org["number"],
            "owner": "owner-xlsx", "criticality": "high", "availability_target": 99.95, "users_count": 1200,
            "support_hours": "平日 9:00–18:00", "live_since": "2026-04-01", "review_interval": "P30D",
            "last_incident_at": "2026-11-20T15:30:00Z", "attributes": {"tier": "gold"}})
        t.check(r.status == 201, "create a service with every kind of field", lambda: r.describe())
        s1 = r.json()
        r = srv.request("POST", "/api/v1/services", json={"name": "=1+2", "provider": org["number"],
                                                          "criticality": "low"})
        t.check(r.status == 201, "create a service named =1+2, its other fields empty", lambda: r.describe())
        s2 = r.json()
        query = f"format=xlsx&provider={org['id']}&sort=number"
        want_json = srv.request("GET", f"/api/v1/services/export?format=json&provider={org['id']}&sort=number").json()
        t.check([x["number"] for x in want_json["items"]] == [s1["number"], s2["number"]],
                "the JSON export lists both services (for comparison)", lambda: systest.dump(want_json))

        t.step("the workbook in Japanese")
        r = export(t, srv, query, "export the services as XLSX in Japanese")
        t.check((r.header("Content-Type") or "").startswith(XLSX), f"the Content-Type is {XLSX}",
                lambda: r.describe(300))
        disposition = r.header("Content-Disposition") or ""
        t.check(re.fullmatch(r'attachment; filename="services-\d{8}\.xlsx"', disposition) is not None,
                f"the file is named services-<yyyymmdd>.xlsx ({disposition})")
        today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
        yesterday = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)).strftime("%Y%m%d")
        t.check(today in disposition or yesterday in disposition, "the date in the name is today's (UTC)",
                disposition)
        t.check(r.body[:2] == b"PK", "the body is a zip container")
        book = read_workbook(t, r.body, "Japanese export")
        t.check(len(book["sheets"]) == 1, "the workbook has one sheet", lambda: systest.dump(book))
        sheet = book["sheets"][0]
        t.check(sheet["title"] == "サービス", f"the sheet is named after the plural label in Japanese ({sheet['title']})")
        header = sheet["rows"][0]
        labels = [c["value"] for c in header]
        t.check(labels == SERVICE_HEADERS_JA, "the header holds the field labels in Japanese, in the CSV's order",
                lambda: f"got {labels}")
        t.check(all(c["bold"] for c in header), "the header is bold")
        t.check(sheet["freeze_panes"] == "A2", f"the header row is frozen ({sheet['freeze_panes']})")
        last_col = chr(ord("A") + len(SERVICE_HEADERS_JA) - 1)
        t.check(sheet["auto_filter"] == f"A1:{last_col}3", f"the autofilter spans the header and both rows "
                f"({sheet['auto_filter']})")
        widths = sheet["widths"]
        t.check(widths and max(w or 0 for w in widths.values()) > 20 and min(w or 0 for w in widths.values()) >= 8,
                "columns are sized to their contents (8 at least, wider for long text)", lambda: systest.dump(widths))
        rows = sheet["rows"][1:]
        t.check(len(rows) == 2, "one row per record", lambda: systest.dump(rows))
        row1 = dict(zip(labels, rows[0]))
        row2 = dict(zip(labels, rows[1]))

        def cell(row, name, value, python_type, data_type=None, fmt=None, what=""):
            c = row[name]
            ok = c["value"] == value and c["python_type"] == python_type and (data_type is None or c["data_type"] == data_type) \
                and (fmt is None or c["number_format"] == fmt)
            t.check(ok, what or f"{name}: {value!r} as {python_type}" + (f" ({fmt})" if fmt else ""),
                    lambda: systest.dump(c))

        cell(row1, "番号", s1["number"], "str", "s", what="the number is a string")
        cell(row1, "状態", "提案中", "str", "s", what="the state is its label in Japanese")
        created = parse_iso(s1["created_at"]).replace(tzinfo=None)
        got_created = datetime.datetime.fromisoformat(row1["作成日時"]["value"])
        t.check(abs((got_created - created).total_seconds()) < 0.002 and row1["作成日時"]["python_type"] == "datetime"
                and row1["作成日時"]["number_format"] == "yyyy-mm-dd hh:mm:ss",
                "created_at is a real date-time in UTC with a date-time format",
                lambda: f"record {s1['created_at']}; cell {systest.dump(row1['作成日時'])}")
        cell(row1, "サービス名", "メール配信サービス", "str", "s", what="Japanese text is kept as it is")
        cell(row1, "説明", description, "str", "s", what='a text starting with "=" is a plain string, not a formula')
        cell(row2, "サービス名", "=1+2", "str", "s", what='"=1+2" is a string cell, not a formula')
        cell(row1, "提供組織", org["number"], "str", "s", what="the reference is the organization's number")
        cell(row1, "サービスオーナー", "山田 太郎", "str", "s", what="the user is shown by name")
        cell(row1, "重要度", "高", "str", "s", what="the enum is its label in Japanese")
        cell(row2, "重要度", "低", "str", "s", what="the second row's enum too")
        cell(row1, "可用性目標（%）", 99.95, "float", "n", what="a decimal is a numeric cell")
        cell(row1, "利用者数", 1200, "int", "n", what="an integer is a numeric cell")
        cell(row1, "稼働開始日", "2026-04-01T00:00:00", "datetime", "d", "yyyy-mm-dd", what="a date is a real date")
        cell(row1, "最終インシデント日時", "2026-11-20T15:30:00", "datetime", "d", "yyyy-mm-dd hh:mm:ss",
             what="a date-time is a real date-time, in UTC by default")
        t.check(row1["レビュー間隔"]["value"] == 30 * 86400 and row1["レビュー間隔"]["number_format"] == "[h]:mm:ss",
                "a duration is a time value ([h]:mm:ss)", lambda: systest.dump(row1["レビュー間隔"]))
        cell(row1, "追加属性", '{"tier":"gold"}', "str", "s", what="a JSON field is its JSON text")
        t.check(all(row2[n]["value"] is None for n in ("説明", "サービスオーナー", "利用者数", "稼働開始日", "最終インシデント日時")),
                "empty fields are empty cells", lambda: systest.dump(row2))

        # The same cells as the CSV: every text column agrees with the CSV export.
        csv = srv.request("GET", f"/api/v1/services/export?provider={org['id']}&sort=number")
        t.check(csv.status == 200 and (csv.header("Content-Type") or "").startswith("text/csv"),
                "without format or Accept the export is still CSV", lambda: csv.describe(500))
        csv_rows = list(csvlib.reader(io.StringIO(csv.text.lstrip("\ufeff"))))[1:3]
        t.check(csv_rows[0][0] == s1["number"] and csv_rows[0][6] == org["number"] and csv_rows[0][7] == "山田 太郎"
                and csv_rows[1][4] == "'=1+2",
                "the CSV shows the same number, reference and user (and defuses =1+2 its own way)",
                lambda: csv.text[:2000])

        t.step("time zone, language, Accept")
        r = export(t, srv, query + "&tz=Asia/Tokyo", "export with tz=Asia/Tokyo")
        sheet = read_workbook(t, r.body, "Tokyo export")["sheets"][0]
        got = dict(zip([c["value"] for c in sheet["rows"][0]], sheet["rows"][1]))
        t.check(got["最終インシデント日時"]["value"] == "2026-11-21T00:30:00",
                "with tz=Asia/Tokyo the date-time is Tokyo's wall clock (UTC+9)", lambda: systest.dump(got["最終インシデント日時"]))
        t.check(got["稼働開始日"]["value"] == "2026-04-01T00:00:00", "a date does not move with the time zone")

        r = export(t, srv, query, "export in English", lang="en")
        sheet = read_workbook(t, r.body, "English export")["sheets"][0]
        t.check(sheet["title"] == "Services", f"in English the sheet is named Services ({sheet['title']})")
        labels_en = [c["value"] for c in sheet["rows"][0]]
        t.check(labels_en == SERVICE_HEADERS_EN, "the header holds the English labels", lambda: f"got {labels_en}")
        got = dict(zip(labels_en, sheet["rows"][1]))
        t.check(got["Criticality"]["value"] == "High" and got["State"]["value"] == "Proposed",
                "enum and state labels are in English", lambda: systest.dump(got))

        r = srv.request("GET", f"/api/v1/services/export?provider={org['id']}", headers={"Accept": XLSX})
        t.check(r.status == 200 and (r.header("Content-Type") or "").startswith(XLSX) and r.body[:2] == b"PK",
                "Accept: the XLSX type without ?format= gives a workbook", lambda: r.describe(300))

        t.step("booleans and references on organizations")
        r = srv.request("GET", f"/api/v1/organizations/export?format=xlsx&sort=number", headers={"Accept-Language": "ja"})
        t.check(r.status == 200, "export the organizations as XLSX", lambda: r.describe())
        sheet = read_workbook(t, r.body, "organizations export")["sheets"][0]
        t.check(sheet["title"] == "組織", f"the sheet is named 組織 ({sheet['title']})")
        olabels = [c["value"] for c in sheet["rows"][0]]
        by_number = {row[0]["value"]: dict(zip(olabels, row)) for row in sheet["rows"][1:]}
        t.check(by_number.get(org["number"], {}).get("有効", {}).get("value") is True
                and by_number[org["number"]]["有効"]["data_type"] == "b",
                "an active organization's 有効 is the boolean TRUE", lambda: systest.dump(by_number.get(org["number"])))
        t.check(by_number.get(child["number"], {}).get("有効", {}).get("value") is False,
                "an inactive one's is FALSE", lambda: systest.dump(by_number.get(child["number"])))
        t.check(by_number[child["number"]]["親組織"]["value"] == org["number"],
                "the parent reference is the parent's number")
        t.check(by_number[org["number"]]["種別"]["value"] == "サービス提供者", "the kind is its label in Japanese")

        t.step("a reference the exporting user may not read")
        r = srv.request("POST", "/api/v1/roles", json={
            "name": "service-exporter", "label": {"en": "Service exporter", "ja": "サービス出力者"},
            "permissions": [{"type": "service", "action": "read", "scope": "all"},
                            {"type": "service", "action": "export", "scope": "all"}]})
        t.check(r.status == 201, "a role that reads and exports services but not organizations", lambda: r.describe())
        r = srv.request("POST", "/api/v1/users", json={"username": "exporter-xlsx", "kind": "agent", "password": PASSWORD,
                                                       "roles": ["service-exporter"]})
        t.check(r.status == 201, "a user with that role", lambda: r.describe())
        r = srv.request("POST", "/api/v1/tokens", json={"label": "xlsx test", "user": "exporter-xlsx"})
        t.check(r.status == 201, "a token for them", lambda: r.describe())
        exporter = r.json()["secret"]
        r = srv.request("GET", f"/api/v1/services/export?format=xlsx&sort=number&q=メール配信サービス", token=exporter,
                        headers={"Accept-Language": "ja"})
        t.check(r.status == 200, "they export the services", lambda: r.describe())
        sheet = read_workbook(t, r.body, "limited export")["sheets"][0]
        got = dict(zip([c["value"] for c in sheet["rows"][0]], sheet["rows"][1]))
        t.check(got["提供組織"]["value"] == org["id"] and org["number"] not in json.dumps(sheet, ensure_ascii=False),
                f"the organization they may not read shows as its id ({org['id']}), its number nowhere",
                lambda: systest.dump(got["提供組織"]))

        t.step("refusals and the journal")
        before = srv.request("GET", "/api/v1/journal?action=export&limit=500").json()["items"]
        for lang, word in (("ja", "xlsx"), ("en", "xlsx")):
            r = srv.request("GET", "/api/v1/services/export?format=pdf", headers={"Accept-Language": lang})
            body = r.json() if r.status == 422 else {}
            msg = (body.get("errors") or [{}])[0].get("message", "")
            t.check(r.status == 422 and "problem+json" in (r.header("Content-Type") or "")
                    and body["errors"][0]["field"] == "format" and word in msg and "pdf" in msg,
                    f"format=pdf is 422 problem+json naming format ({lang}: {msg})", lambda: r.describe())
            if lang == "ja":
                ja_msg = msg
            else:
                t.check(msg != ja_msg and re.search(r"[\u3040-\u30ff]", ja_msg),
                        "the message is in Japanese for ja and in English for en", f"ja {ja_msg!r}, en {msg!r}")
        r = srv.request("GET", "/api/v1/services/export?format=xlsx&tz=Asia/Atlantis")
        t.check(r.status == 422 and r.json()["errors"][0]["field"] == "tz", "an unknown time zone is 422 naming tz",
                lambda: r.describe())
        after = srv.request("GET", "/api/v1/journal?action=export&limit=500").json()["items"]
        t.check(len(after) == len(before), "refused exports are not journaled",
                lambda: f"{len(before)} before, {len(after)} after")
        formats = sorted((e["changes"].get("format"), e["record_type"]) for e in after)
        t.check(formats.count(("xlsx", "service")) == 5 and ("xlsx", "organization") in formats
                and ("json", "service") in formats and ("csv", "service") in formats,
                "every export is journaled with its format (5 XLSX of services, 1 of organizations, JSON, CSV)",
                lambda: systest.dump(formats))
        tokyo = [e for e in after if ["tz", "Asia/Tokyo"] in e["changes"]["query"]]
        t.check(len(tokyo) == 1 and tokyo[0]["changes"]["count"] == 2 and ["format", "xlsx"] in tokyo[0]["changes"]["query"],
                "the journal keeps the query parameters and the count", lambda: systest.dump(tokyo))
        accepted = [e for e in after if e["changes"].get("format") == "xlsx"
                    and not any(k == "format" for k, _ in e["changes"]["query"])]
        t.check(len(accepted) == 1, "an XLSX export asked for by Accept is journaled as xlsx too",
                lambda: systest.dump(after))
        limited = [e for e in after if e["principal"] == "exporter-xlsx"]
        t.check(len(limited) == 1 and limited[0]["changes"]["count"] == 1,
                "the limited user's export is journaled under their name, with its count", lambda: systest.dump(after))


if __name__ == "__main__":
    sys.exit(systest.main(test, "XLSX export: typed cells read back by openpyxl, labels, access, journal"))
