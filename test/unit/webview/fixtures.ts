// Loads the traces of test/fixtures/traces: recorded from the real engine by
// scripts/record-trace-fixtures.ts (test/unit/trace/recordedFixtures.test.ts keeps them equal to
// it), plus the hand-written hostile-strings.json.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PathTrace } from '../../../server/src/core/trace/types';

export const fixtureDir = join(__dirname, '..', '..', 'fixtures', 'traces');

export function fixtureNames(): string[] {
  return readdirSync(fixtureDir).filter((n) => n.endsWith('.json')).sort().map((n) => n.replace(/\.json$/, ''));
}

export function loadTrace(name: string): PathTrace {
  return JSON.parse(readFileSync(join(fixtureDir, name + '.json'), 'utf8')) as PathTrace;
}
