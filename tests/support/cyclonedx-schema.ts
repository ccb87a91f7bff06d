// The official CycloneDX 1.6 JSON schema (shipped inside the CycloneDX library's package), compiled
// with Ajv, so tests check SBOMs against the specification rather than against our own idea of it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);
const SCHEMAS = join(
  dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')),
  'res',
  'schema',
);

function load(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as Record<string, unknown>;
}

let compiled: (((data: unknown) => boolean) & { errors?: ErrorObject[] | null }) | undefined;

function validator() {
  if (compiled) return compiled;
  const ajv = new Ajv({
    allErrors: true,
    // The schema is draft-07 written for every validator: its `required` lists inside `oneOf`
    // name properties declared elsewhere, which Ajv's strictest mode refuses.
    strict: true,
    strictRequired: false,
    strictTypes: false,
    strictTuples: false,
  });
  addFormats(ajv);
  // Formats of the schema that ajv-formats leaves out: IRIs (URI references that may hold any
  // Unicode) and internationalised e-mail addresses, checked as far as their grammar allows.
  ajv.addFormat(
    'iri-reference',
    (value: string) =>
      ![...value].some((ch) => ch.codePointAt(0)! < 0x20) && !/[\s<>"{}|\\^`]/u.test(value),
  );
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u);
  // Annotations of the schema that carry no validation.
  ajv.addKeyword('meta:enum');
  // The BOM schema refers to its neighbours by their file names.
  for (const file of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
    ajv.addSchema({ ...load(file), $id: `http://cyclonedx.org/schema/${file}` });
  }
  compiled = ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
  return compiled;
}

/** The schema's complaints about a document (empty when it is a valid CycloneDX 1.6 BOM). */
export function cycloneDxSchemaErrors(document: unknown): string[] {
  const validate = validator();
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}
