#!/usr/bin/python3
"""Prints an .xlsx workbook as JSON, as openpyxl reads it: for tests that check exports.

Runs under Debian's /usr/bin/python3, which has python3-openpyxl:

    /usr/bin/python3 tests/lib/xlsx_dump.py FILE.xlsx

Output: {"sheets": [{"title", "freeze_panes", "auto_filter", "widths": {"A": 12.0, ...},
"rows": [[{"value", "python_type", "data_type", "number_format", "bold"}, ...], ...]}]}.
Dates and times are ISO strings, timedeltas seconds.
"""

import datetime
import json
import sys

import openpyxl


def cell_json(c):
    v = c.value
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        shown = v.isoformat()
    elif isinstance(v, datetime.timedelta):
        shown = v.total_seconds()
    else:
        shown = v
    return {"value": shown, "python_type": type(v).__name__, "data_type": c.data_type,
            "number_format": c.number_format, "bold": bool(c.font and c.font.b)}


def main():
    book = openpyxl.load_workbook(sys.argv[1])
    out = {"sheets": []}
    for ws in book.worksheets:
        out["sheets"].append({
            "title": ws.title,
            "freeze_panes": ws.freeze_panes,
            "auto_filter": ws.auto_filter.ref,
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "rows": [[cell_json(c) for c in row] for row in ws.iter_rows()],
        })
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
