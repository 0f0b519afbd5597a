// Validates a SARIF log against the SARIF 2.1.0 JSON schema kept in test/vendor/sarif (draft-07), formats included.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { repoRoot } from './content.ts';

export const sarifSchemaPath = join(repoRoot, 'test/vendor/sarif/sarif-schema-2.1.0.json');
/** The schema file as vendored (test/vendor/sarif/README.md). */
export const sarifSchemaSha256 = '7c9688f0a1c4a4e1649ecc78521087e664729c1dff56ee8212ff195c7b16132a';

let validate: ValidateFunction | undefined;

/** Problems ajv finds ("/runs/0/results/0/level: must be equal to one of the allowed values"); empty when valid. */
export function sarifProblems(log: unknown): string[] {
  if (!validate) {
    const text = readFileSync(sarifSchemaPath, 'utf8');
    if (createHash('sha256').update(text).digest('hex') !== sarifSchemaSha256) throw new Error(`${sarifSchemaPath} is not the vendored schema`);
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(text) as object);
  }
  if (validate(log)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}`);
}
