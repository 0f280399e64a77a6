/**
 * Golden traces: every hop of kube-proxy's TestTracePacket flows on its `tracer-input.restore`
 * (table, chain, rule line and text, action, packet, mark, probability) and each outcome's
 * verdict, packet, masquerade facts and rule count. `UPDATE_GOLDEN=1` rewrites the file on
 * purpose; review the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { tracePacket } from '../../../server/src/core/simulator/tracePacket';
import type { Protocol } from '../../../server/src/core/simulator/types';
import { corpusRoot } from '../kubeproxy/corpusLoader';

const GOLDEN = join(__dirname, 'golden', 'tracer-input.traces.json');
const CASE = join(corpusRoot, 'cases', 'TestTracePacket');

test('golden traces of TestTracePacket on tracer-input.restore', () => {
  const ruleset = parseDump(readFileSync(join(CASE, 'tracer-input.restore'), 'utf8'));
  const config = JSON.parse(readFileSync(join(CASE, 'config.json'), 'utf8')) as { tracerLocalAddresses: string[] };
  const flows = JSON.parse(readFileSync(join(CASE, 'flows.json'), 'utf8')) as { name: string; sourceIP: string; destIP: string; destPort: number; protocol: string }[];
  const traces = flows.map((f) => ({
    flow: f.name,
    result: tracePacket(ruleset, {
      packet: { src: f.sourceIP, sport: 33333, dst: f.destIP, dport: f.destPort, proto: f.protocol.toLowerCase() as Protocol },
      from: config.tracerLocalAddresses.includes(f.sourceIP) ? 'node' : 'outside',
      localAddresses: config.tracerLocalAddresses,
    }),
  }));
  const text = JSON.stringify(traces, null, 1) + '\n';
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) {
    mkdirSync(join(__dirname, 'golden'), { recursive: true });
    writeFileSync(GOLDEN, text);
  }
  assert.equal(text, readFileSync(GOLDEN, 'utf8'), 'traces differ from the golden file (UPDATE_GOLDEN=1 rewrites it)');
});
