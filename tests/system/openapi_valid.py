#!/usr/bin/env python3
"""The OpenAPI document served at GET /api/v1/openapi.json is a valid OpenAPI 3.1 document.

docs/architecture.md §6: the REST API is "described by an OpenAPI document that is generated
from the model and served at /api/v1/openapi.json".

Asserted:
  - GET /api/v1/openapi.json with the admin token answers 200 with a JSON object;
  - tests/system/validate-openapi.mjs (node; @seriousme/openapi-schema-validator against the
    official OpenAPI 3.1 schema, every internal $ref resolves, every Schema Object valid
    JSON Schema 2020-12 - see that file) accepts it, and it declares openapi 3.1.x;
  - it has a path for the collection and for one record of every type in GET /api/v1/types;
  - the validator really rejects invalid documents: deliberately broken copies (no `info`; a
    response description that is a number; a dangling $ref; a Schema Object with an
    impossible type; openapi "3.0.3") are each rejected (exit 1), so a pass above means
    something.

The npm packages come from package.json / package-lock.json (`npm ci`, run by
scripts/install-deps). Without them the script exits 2 (environment), not 0.

    python3 tests/system/openapi_valid.py --engine sqlite|postgres [--keep]
"""

from __future__ import annotations

import copy
import json
import pathlib
import shutil
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "lib"))
import systest  # noqa: E402
from systest import harness  # noqa: E402

VALIDATOR = systest.SYSTEM_DIR / "validate-openapi.mjs"


def validate(doc, path: pathlib.Path):
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    node = shutil.which("node")
    if not node:
        raise harness.HarnessError("node is not installed (scripts/install-deps)")
    p = subprocess.run([node, str(VALIDATOR), str(path)], cwd=systest.REPO_ROOT, capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    if p.returncode == 2:
        raise harness.HarnessError(f"the OpenAPI validator could not run (exit 2):\n{p.stderr}{p.stdout}\n"
                                   f"Install the npm dev dependencies: npm ci (or scripts/install-deps).")
    return p


def broken_copies(doc: dict) -> list:
    out = []
    d = copy.deepcopy(doc)
    del d["info"]
    out.append(("no info object", d))

    d = copy.deepcopy(doc)
    path, item = next(iter(d["paths"].items()))
    op = next(v for k, v in item.items() if k in ("get", "post", "patch", "put", "delete"))
    status = next(iter(op["responses"]))
    op["responses"][status]["description"] = 42
    out.append((f"response {status} of {path} with a numeric description", d))

    d = copy.deepcopy(doc)
    schemas = d.setdefault("components", {}).setdefault("schemas", {})
    name = next(iter(schemas))
    schemas[name] = {"$ref": "#/components/schemas/DoesNotExist"}
    out.append((f"schema {name} is a dangling $ref", d))

    d = copy.deepcopy(doc)
    d["components"]["schemas"]["BrokenOnPurpose"] = {"type": "strng"}
    out.append(("a Schema Object with type 'strng'", d))

    d = copy.deepcopy(doc)
    d["openapi"] = "3.0.3"
    out.append(("declares openapi 3.0.3", d))
    return out


def test(args, t: systest.Checks):
    with harness.Stack.from_args(args) as stack:
        srv = stack.server
        r = srv.request("GET", "/api/v1/openapi.json")
        t.check(r.status == 200, "GET /api/v1/openapi.json answers 200", lambda: r.describe())
        doc = r.json()
        t.check(isinstance(doc, dict), "the document is a JSON object")
        out = stack.workdir / "openapi.json"
        p = validate(doc, out)
        t.check(p.returncode == 0, f"the validator accepts it: {p.stdout.strip()}",
                f"exit {p.returncode}\n{p.stdout}{p.stderr}")
        t.check(str(doc.get("openapi", "")).startswith("3.1."), f"it declares openapi {doc.get('openapi')}")

        types = srv.request("GET", "/api/v1/types").json()["items"]
        paths = doc.get("paths", {})
        missing = []
        for ty in types:
            for want in (f"/api/v1/{ty['collection']}", f"/api/v1/{ty['collection']}/{{key}}"):
                if want not in paths:
                    missing.append(want)
        t.check(not missing, f"it has the collection and record paths of all {len(types)} record types",
                f"missing: {missing}; paths: {list(paths)}")

        for what, broken in broken_copies(doc):
            p = validate(broken, stack.workdir / "broken.json")
            first = (p.stdout.strip().splitlines() or [""])[0]
            t.check(p.returncode == 1, f"a broken copy is rejected ({what}): {first}",
                    f"exit {p.returncode}\n{p.stdout}{p.stderr}")


if __name__ == "__main__":
    sys.exit(systest.main(test, "GET /api/v1/openapi.json is a valid OpenAPI 3.1 document"))
