// The dump checks and drift codes are in the catalog (documentation links, severities) but apart
// from the manifest rules, so kpp check's SARIF rule list stays the manifest checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCS_BASE, DUMP_RULES, RULES, findRule } from '../../../server/src/core/diagnostics/rules';
import { DRIFT_CODES } from '../../../server/src/core/dump/drift';

const DUMP_CHECK_CODES = ['parse-error', 'undeclared-chain', 'unreferenced-chain', 'unreachable-rule'];

test('every drift code and dump-check code has a catalog entry, found by findRule', () => {
  assert.deepEqual(DUMP_RULES.map((r) => r.code).sort(), [...DUMP_CHECK_CODES, ...DRIFT_CODES].sort());
  for (const code of [...DUMP_CHECK_CODES, ...DRIFT_CODES]) assert.equal(findRule(code)?.docs, `${DOCS_BASE}#${code}`, code);
});

test('dump codes are not manifest rules (kpp check and its SARIF list iterate RULES)', () => {
  const manifest = new Set(RULES.map((r) => r.code));
  for (const r of DUMP_RULES) assert.ok(!manifest.has(r.code), r.code);
});

test('every dump code is documented under its own heading with its default severity', () => {
  const docs = readFileSync(join(__dirname, '..', '..', '..', DOCS_BASE), 'utf8');
  for (const r of DUMP_RULES) assert.match(docs, new RegExp(`^## ${r.code}\\n\\nDefault severity: ${r.defaultSeverity}[ .]`, 'm'), r.code);
});
