#!/usr/bin/env node
// Validates an OpenAPI 3.1 document, for tests/system/openapi_valid.py.
//
//   node tests/system/validate-openapi.mjs FILE.json
//
// 1. @seriousme/openapi-schema-validator: the document against the official OpenAPI 3.1 JSON
//    schema (spec.openapis.org), then every internal $ref resolves;
// 2. the document must declare OpenAPI 3.1.x;
// 3. every Schema Object (components.schemas and each `schema` of a parameter, header or media
//    type) against the JSON Schema 2020-12 meta-schema, which is the dialect of OpenAPI 3.1
//    (the official OpenAPI schema leaves Schema Objects open).
//
// Prints "valid: ..." and exits 0, or "invalid: ..." with the errors and exits 1; exits 2 when
// it cannot run (no file, packages not installed: run `npm ci` or scripts/install-deps).

import { readFile } from "node:fs/promises";

let Validator, Ajv2020;
try {
  ({ Validator } = await import("@seriousme/openapi-schema-validator"));
  const ajvModule = await import("ajv/dist/2020.js");
  Ajv2020 = ajvModule.default.default ?? ajvModule.default;
} catch (err) {
  console.error(`validate-openapi: cannot load the validator packages (${err.message}); run npm ci in the repository root`);
  process.exit(2);
}

const file = process.argv[2];
if (!file || process.argv.length !== 3) {
  console.error("usage: node tests/system/validate-openapi.mjs FILE.json");
  process.exit(2);
}

let text;
try {
  text = await readFile(file, "utf8");
} catch (err) {
  console.error(`validate-openapi: ${err.message}`);
  process.exit(2);
}

const problems = [];
let doc;
try {
  doc = JSON.parse(text);
} catch (err) {
  problems.push(`not JSON: ${err.message}`);
}

if (doc !== undefined) {
  const validator = new Validator();
  const result = await validator.validate(doc);
  if (!result.valid) {
    const errors = Array.isArray(result.errors) ? result.errors : [result.errors];
    for (const e of errors.slice(0, 25)) {
      problems.push(typeof e === "string" ? e : `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
    }
    if (errors.length > 25) problems.push(`... ${errors.length - 25} more`);
  }
  const declared = typeof doc.openapi === "string" ? doc.openapi : String(doc.openapi);
  if (!/^3\.1\.\d+$/.test(declared)) problems.push(`openapi is ${JSON.stringify(doc.openapi)}, expected 3.1.x`);

  // Schema Objects against the JSON Schema 2020-12 meta-schema.
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  const schemas = [];
  const comp = doc?.components?.schemas;
  if (comp && typeof comp === "object") {
    for (const [name, s] of Object.entries(comp)) schemas.push([`#/components/schemas/${name}`, s]);
  }
  const walk = (node, path) => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, `${path}/${i}`));
    } else if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        const p = `${path}/${k.replaceAll("~", "~0").replaceAll("/", "~1")}`;
        if (k === "schema" && v && typeof v === "object") schemas.push([p, v]);
        else walk(v, p);
      }
    }
  };
  walk(doc?.paths, "#/paths");
  walk(doc?.components?.parameters, "#/components/parameters");
  walk(doc?.components?.responses, "#/components/responses");
  walk(doc?.components?.requestBodies, "#/components/requestBodies");
  for (const [where, schema] of schemas) {
    if (typeof schema !== "object" && typeof schema !== "boolean") {
      problems.push(`${where}: a Schema Object must be an object or a boolean`);
    } else if (!ajv.validateSchema(schema)) {
      for (const e of ajv.errors.slice(0, 5)) {
        problems.push(`${where}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
      }
    }
  }
  if (problems.length === 0) {
    console.log(`valid: OpenAPI ${declared}, ${Object.keys(doc.paths ?? {}).length} paths, ` +
      `${schemas.length} Schema Objects checked against JSON Schema 2020-12`);
    process.exit(0);
  }
}

console.log(`invalid: ${problems.length} problem(s)`);
for (const p of problems) console.log(`  ${p}`);
process.exit(1);
