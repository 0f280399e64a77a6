// The trace panel's fixtures are recordings of the real engine: re-record them in memory and
// require the files to be exactly that, so they can never drift from buildTrace. UPDATE_GOLDEN=1
// rewrites them on purpose (through the recording script's own writer); read the diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatTraceFixture, readExampleManifests, recordTraceFixtures, RECORDED_NOTE, traceFixtureDir, writeTraceFixtures,
} from '../../../scripts/record-trace-fixtures';
import { clusterOfSnapshot } from '../../../server/src/core/cluster/clusterOfSnapshot';
import { buildNodeRules } from '../../../server/src/core/cluster/nodeRules';
import { WorkspaceIndex } from '../../../server/src/core/workspace/workspaceIndex';

const recorded = recordTraceFixtures(readExampleManifests());
const expectedNames = ['ingress-hello-world-two', 'nginx-etp-local-drop', 'nginx-loadbalancer-external'];

if (process.env.UPDATE_GOLDEN === '1') writeTraceFixtures(recorded);

test('the recording makes the three fixtures the trace panel tests use', () => {
  assert.deepEqual([...recorded.keys()].sort(), expectedNames);
});

for (const name of expectedNames) {
  test(`${name}.json is what the engine records now`, () => {
    const path = join(traceFixtureDir, name + '.json');
    assert.ok(existsSync(path), `missing ${name}.json: run npx tsx scripts/record-trace-fixtures.ts`);
    const onDisk = JSON.parse(readFileSync(path, 'utf8'));
    assert.deepEqual(onDisk, recorded.get(name), `${name}.json differs from the engine's trace (UPDATE_GOLDEN=1 or the script rewrites it on purpose)`);
    assert.equal(readFileSync(path, 'utf8'), formatTraceFixture(recorded.get(name)!), 'formatted as the script writes it');
  });
}

test('recorded fixtures say where they come from, carry no machine path, and are deterministic', () => {
  const again = recordTraceFixtures(readExampleManifests());
  for (const [name, f] of recorded) {
    assert.ok(f._fixture.startsWith(RECORDED_NOTE), name);
    assert.deepEqual(again.get(name), f, `${name}: a second recording is identical`);
    const text = JSON.stringify(f);
    assert.doesNotMatch(text, /file:|\/work\/|\/home\/|\/tmp\//, `${name}: no absolute path or file: uri`);
    const uris = new Set<string>();
    for (const b of f.branches) for (const s of [...b.steps, ...b.reply]) if (s.source) uris.add(s.source.uri);
    assert.ok(uris.size > 0, `${name}: some hop can be revealed`);
    for (const uri of uris) assert.match(uri, /^(examples\/(cluster|nginx|ingress)\/[\w.-]+\.yaml|kpp-rules:\/[\w.-]+\/node-restore\.iptables)$/, `${name}: ${uri}`);
  }
  const local = recorded.get('nginx-etp-local-drop')!;
  assert.match(local._fixture, /first node without an nginx pod/, 'the scenario is written down');
  assert.equal(local.scenario.externalTrafficPolicy, 'Local');
  assert.deepEqual(local.branches.map((b) => b.verdict), ['dropped']);
});

test('a hop that points into a kpp-rules: document points at its own rule line there', () => {
  // The spans are offsets into the node's generated restore text (what the document shows in
  // node-restore format): rebuild that text and read the rule back.
  const index = new WorkspaceIndex();
  for (const m of readExampleManifests()) index.setFile(m.uri, m.text, 0);
  const { cluster } = clusterOfSnapshot(index.snapshot());
  let checked = 0;
  for (const [name, f] of recorded) {
    for (const b of f.branches) {
      for (const s of b.steps) {
        if (!s.source?.uri.startsWith('kpp-rules:')) continue;
        const node = decodeURIComponent(/^kpp-rules:\/([^/]+)\//.exec(s.source.uri)![1]);
        const text = buildNodeRules(cluster, { nodeName: node }).nodeRestore;
        assert.equal(text.slice(s.source.span.start, s.source.span.end), s.rule, `${name}: ${s.title}`);
        assert.equal(text.split('\n')[s.line!], s.rule, `${name}: ${s.title}: line ${s.line}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 20, `${checked} hops checked`);
});

test('the hand-written hostile fixture stays marked hand-written and uses only step kinds the engine emits', () => {
  const hostile = JSON.parse(readFileSync(join(traceFixtureDir, 'hostile-strings.json'), 'utf8'));
  assert.match(hostile._fixture, /^hand-written/);
  const kinds = (t: any) => new Set<string>(t.branches.flatMap((b: any) => [...b.steps, ...b.reply].map((s: any) => s.kind)));
  const engineKinds = new Set<string>([...recorded.values()].flatMap((f) => [...kinds(f)]));
  for (const k of kinds(hostile)) assert.ok(engineKinds.has(k), `step kind ${k} is one the engine emits`);
  // Every field a hostile step has, the engine gives steps of that kind too.
  const fields = new Map<string, Set<string>>();
  for (const f of recorded.values()) for (const b of f.branches) for (const s of [...b.steps, ...b.reply]) {
    const set = fields.get(s.kind) ?? new Set<string>();
    for (const k of Object.keys(s)) set.add(k);
    fields.set(s.kind, set);
  }
  for (const b of hostile.branches) for (const s of [...b.steps, ...b.reply]) {
    for (const k of Object.keys(s)) assert.ok(fields.get(s.kind)?.has(k), `hostile ${s.kind} step field ${k} is one the engine emits for that kind`);
  }
});
