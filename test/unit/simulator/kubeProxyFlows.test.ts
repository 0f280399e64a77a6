/**
 * kube-proxy's own packet-flow expectations (`runPacketFlowTests` in proxier_test.go; corpus
 * README §5), checked against the real simulator:
 *
 * - TestTracePacket: its static `tracer-input.restore` (it already holds the built-in jumps the
 *   fake iptables keeps), parsed and traced as it is;
 * - every other case: `generateRules` on the case's manifests and config, completed into a node's
 *   whole ruleset with kube-proxy's ensured jump rules (`completeNodeRuleset`), parsed, traced.
 *
 * A flow starts on the node when its source is one of the tracer's local addresses (`from: node`,
 * nat OUTPUT), otherwise it arrives from outside (nat PREROUTING; the test's pods are 10.0.0.0/8
 * but reach the node from outside in the fake). Each result is summarised with
 * `summarizeAsKubeProxyFlow` and must equal the expected `{output, masq}`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { generateRules } from '../../../server/src/core/kubeproxy/generateRules';
import { completeNodeRuleset } from '../../../server/src/core/save/completeNodeRuleset';
import { tracePacket } from '../../../server/src/core/simulator/tracePacket';
import { summarizeAsKubeProxyFlow } from '../../../server/src/core/simulator/kubeProxyFlow';
import type { Ruleset } from '../../../server/src/core/iptables/model';
import type { Protocol } from '../../../server/src/core/simulator/types';
import { corpusInput, corpusPresent, corpusRoot, listCases, readCaseFile, type CorpusCase } from '../kubeproxy/corpusLoader';

interface Flow {
  readonly name: string;
  readonly sourceIP: string;
  readonly destIP: string;
  readonly destPort: number;
  readonly protocol: string;
  readonly output: string;
  readonly masq: boolean;
}

/** The number of flow expectations in the corpus (README: 246). */
const EXPECTED_FLOWS = 246;

function rulesetFor(c: CorpusCase): Ruleset {
  if (c.files.has('tracer-input.restore')) return parseDump(readCaseFile(c, 'tracer-input.restore'));
  const generated = generateRules(corpusInput(c));
  const family = generated.ipFamily === 'IPv6' ? 'ipv6' : 'ipv4';
  return parseDump(completeNodeRuleset(generated.restore, { family }));
}

/** Runs a case's flows; returns one line per mismatch. */
function runFlows(c: CorpusCase): { total: number; mismatches: string[] } {
  const flows = JSON.parse(readCaseFile(c, 'flows.json')) as Flow[];
  const local = c.config.tracerLocalAddresses as string[];
  assert.ok(Array.isArray(local) && local.length > 0, 'config.json has tracerLocalAddresses');
  const ruleset = rulesetFor(c);
  assert.deepEqual(ruleset.errors.filter((e) => e.severity === 'error'), [], 'the traced ruleset parses');
  const mismatches: string[] = [];
  for (const f of flows) {
    const result = tracePacket(ruleset, {
      packet: { src: f.sourceIP, sport: 33333, dst: f.destIP, dport: f.destPort, proto: f.protocol.toLowerCase() as Protocol },
      from: local.includes(f.sourceIP) ? 'node' : 'outside',
      localAddresses: local,
    });
    for (const o of result.outcomes) {
      if (o.verdict === 'error') mismatches.push(`${f.name}: error outcome: ${o.reason}`);
      for (const u of o.unevaluated) mismatches.push(`${f.name}: unevaluated line ${u.line + 1}: ${u.reason}`);
    }
    const got = summarizeAsKubeProxyFlow(result);
    if (got.output !== f.output || got.masq !== f.masq) {
      mismatches.push(`${f.name} (${f.sourceIP} → ${f.destIP}:${f.destPort}): expected ${JSON.stringify({ output: f.output, masq: f.masq })}, got ${JSON.stringify(got)}`);
    }
  }
  return { total: flows.length, mismatches };
}

const cases = listCases().filter((c) => c.files.has('flows.json'));
let passed = 0;
let total = 0;

test('the kube-proxy corpus is present', () => {
  assert.ok(corpusPresent, `kube-proxy corpus not found at ${corpusRoot}`);
  // TestTracePacket first: it needs no generator.
  assert.ok(cases.some((c) => c.folder === 'TestTracePacket'));
});

for (const c of [...cases].sort((a, b) => (a.folder === 'TestTracePacket' ? -1 : b.folder === 'TestTracePacket' ? 1 : a.folder.localeCompare(b.folder)))) {
  test(`kube-proxy flows: ${c.folder}`, () => {
    const { total: n, mismatches } = runFlows(c);
    total += n;
    passed += n - new Set(mismatches.map((m) => m.split(':')[0].split(' (')[0])).size;
    assert.deepEqual(mismatches, []);
  });
}

test(`kube-proxy flows: all ${EXPECTED_FLOWS} flows agree`, () => {
  console.log(`kube-proxy flow expectations: ${passed}/${total} agree with tracePacket`);
  assert.equal(total, EXPECTED_FLOWS);
  assert.equal(passed, EXPECTED_FLOWS);
});
