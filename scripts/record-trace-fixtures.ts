// Records the trace panel's fixtures (test/fixtures/traces/*.json) from the real engine: the
// manifests of examples/nginx and examples/ingress go into a WorkspaceIndex under relative uris,
// the cluster is synthesized, and buildTrace traces each scenario with the environment the
// language server gives it (server/src/features/tracePacket.ts). hostile-strings.json stays
// hand-written and is not touched here.
//
//   npx tsx scripts/record-trace-fixtures.ts          rewrite the recorded fixtures
//   npx tsx scripts/record-trace-fixtures.ts --check  exit 1 when a fixture differs from the engine
//
// test/unit/trace/recordedFixtures.test.ts runs the same recording in memory and requires the
// files to be equal to it (UPDATE_GOLDEN=1 makes it rewrite them through writeTraceFixtures).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterOfSnapshot, locatorOf } from '../server/src/core/cluster/clusterOfSnapshot';
import { buildNodeRules, type NodeRules } from '../server/src/core/cluster/nodeRules';
import { defaultClusterSettings, type Cluster, type ClusterSettings } from '../server/src/core/cluster/synthesizeCluster';
import { LineIndex } from '../server/src/core/text/lineIndex';
import type { Span } from '../server/src/core/text/span';
import { buildTrace, defaultScenario, type TraceEnvironment } from '../server/src/core/trace/buildTrace';
import type { PathTrace, TraceScenario } from '../server/src/core/trace/types';
import { WorkspaceIndex } from '../server/src/core/workspace/workspaceIndex';
import { formatRulesUri } from '../server/src/protocol';

export const repoRoot = join(__dirname, '..');
export const traceFixtureDir = join(repoRoot, 'test', 'fixtures', 'traces');
/** The example folders the fixtures are recorded from, relative to the repository root. */
export const exampleFolders: readonly string[] = ['examples/cluster', 'examples/nginx', 'examples/ingress'];
export const RECORDED_NOTE = 'recorded by scripts/record-trace-fixtures.ts from examples/ — do not edit by hand';

/** A fixture file: the PathTrace as buildTrace returns it, after a note on where it comes from. */
export type TraceFixture = { readonly _fixture: string } & PathTrace;

export interface ManifestText {
  /** Relative to the repository root, e.g. `examples/nginx/service.yaml`: no machine path lands in a fixture. */
  readonly uri: string;
  readonly text: string;
}

/** The YAML files of the example folders, sorted by uri. */
export function readExampleManifests(root: string = repoRoot, folders: readonly string[] = exampleFolders): ManifestText[] {
  const out: ManifestText[] = [];
  for (const folder of folders) {
    for (const name of readdirSync(join(root, folder)).filter((n) => /\.ya?ml$/.test(n)).sort()) {
      out.push({ uri: `${folder}/${name}`, text: readFileSync(join(root, folder, name), 'utf8') });
    }
  }
  return out.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
}

/** Span of a 0-based line of a text, without its line break; undefined past the end. */
function lineSpansOf(text: string): (line: number) => Span | undefined {
  const index = new LineIndex(text);
  return (line) => {
    if (!Number.isInteger(line) || line < 0 || line >= index.lineCount) return undefined;
    const start = index.lineStart(line);
    let end = line + 1 < index.lineCount ? index.lineStart(line + 1) - 1 : text.length;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    return { start, end };
  };
}

/**
 * The environment the language server builds for `kpp/tracePacket`: generated rules per node
 * (built once), hops pointing into the node's `kpp-rules:` document (`node-restore` format) — except
 * for a what-if traffic policy, whose rules no document shows, so its hops carry no source there.
 */
function environmentFor(cluster: Cluster, locate: TraceEnvironment['locate'], whatIf: boolean): TraceEnvironment {
  const rules = new Map<string, NodeRules>();
  const rulesOf = (nodeName: string): NodeRules => {
    let r = rules.get(nodeName);
    if (!r) {
      r = buildNodeRules(cluster, { nodeName });
      rules.set(nodeName, r);
    }
    return r;
  };
  const spans = new Map<string, (line: number) => Span | undefined>();
  const spansOf = (nodeName: string) => {
    let s = spans.get(nodeName);
    if (!s) {
      s = lineSpansOf(rulesOf(nodeName).nodeRestore);
      spans.set(nodeName, s);
    }
    return s;
  };
  return {
    cluster,
    locate,
    nodeRules: (c, nodeName, overrides) => (c === cluster && !overrides ? rulesOf(nodeName) : buildNodeRules(c, { nodeName, ...(overrides ? { overrides } : {}) })),
    ...(whatIf ? {} : {
      generatedRulesUri: (nodeName: string) => formatRulesUri(nodeName, 'node-restore'),
      generatedLineSpan: (nodeName: string, line: number) => spansOf(nodeName)(line),
    }),
  };
}

function settingsNote(settings: ClusterSettings): string {
  const changed = (Object.keys(settings) as (keyof ClusterSettings)[]).filter((k) => JSON.stringify(settings[k]) !== JSON.stringify(defaultClusterSettings[k]));
  return changed.length === 0 ? 'default cluster settings' : `cluster settings: default but ${changed.map((k) => `${k} ${JSON.stringify(settings[k])}`).join(', ')}`;
}

function fixture(note: string, trace: PathTrace): TraceFixture {
  // JSON round trip: the file holds exactly this (no undefined fields).
  return JSON.parse(JSON.stringify({ _fixture: note, ...trace })) as TraceFixture;
}

/**
 * Records the fixtures from the manifests given (normally `readExampleManifests()`): a map from
 * fixture name to content. Pure apart from what the engine does; deterministic.
 * Throws when a scenario cannot be set up (no node without an nginx pod, a trace with errors):
 * a recording that silently changed meaning would be worse than none.
 */
export function recordTraceFixtures(manifests: readonly ManifestText[]): Map<string, TraceFixture> {
  const index = new WorkspaceIndex();
  for (const m of manifests) index.setFile(m.uri, m.text, 0);
  const snapshot = index.snapshot();
  const locate = locatorOf(snapshot);
  const out = new Map<string, TraceFixture>();
  const record = (name: string, settings: ClusterSettings, scenarioOf: (cluster: Cluster, objects: Parameters<typeof defaultScenario>[1]) => TraceScenario, extraNote = '') => {
    const { cluster, objects } = clusterOfSnapshot(snapshot, settings);
    const scenario = scenarioOf(cluster, objects);
    const whatIf = scenario.externalTrafficPolicy !== undefined || scenario.internalTrafficPolicy !== undefined;
    const trace = buildTrace(environmentFor(cluster, locate, whatIf), objects, scenario);
    if (trace.errors.length > 0 || trace.branches.length === 0) throw new Error(`${name}: the engine could not trace the scenario: ${trace.errors.join('; ') || 'no branches'}`);
    out.set(name, fixture(`${RECORDED_NOTE}; ${settingsNote(settings)}${extraNote}`, trace));
  };

  // The nginx LoadBalancer as the panel opens it first: the default scenario.
  record('nginx-loadbalancer-external', defaultClusterSettings, (cluster, objects) => defaultScenario(cluster, objects, 'Service', 'default', 'nginx'));

  // What if externalTrafficPolicy were Local, on a node that runs no nginx pod? examples/cluster has
  // four nodes for three replicas, so one node has none.
  record('nginx-etp-local-drop', defaultClusterSettings, (cluster, objects) => {
    const withPods = new Set(cluster.pods.filter((p) => p.namespace === 'default' && p.owner === 'Deployment/nginx').map((p) => p.nodeName));
    const empty = cluster.nodes.find((n) => !withPods.has(n.name));
    if (!empty) throw new Error('nginx-etp-local-drop: every node runs an nginx pod; no node to show the drop on');
    return { ...defaultScenario(cluster, objects, 'Service', 'default', 'nginx'), externalTrafficPolicy: 'Local', node: empty.name };
  }, '; scenario: the default one with externalTrafficPolicy Local (what-if) on the first node without an nginx pod; what-if rules are in no kpp-rules: document, so rule hops have no source (as the language server does)');

  // The Ingress, for the path of its second backend.
  record('ingress-hello-world-two', defaultClusterSettings, (cluster, objects) => ({ ...defaultScenario(cluster, objects, 'Ingress', 'ingress-nginx', 'hello-world-ingress'), path: '/hello-world-two' }));
  return out;
}

/** The file text of a fixture. */
export function formatTraceFixture(f: TraceFixture): string {
  return JSON.stringify(f, null, 2) + '\n';
}

export function writeTraceFixtures(fixtures: ReadonlyMap<string, TraceFixture>, dir: string = traceFixtureDir): string[] {
  const written: string[] = [];
  for (const [name, f] of fixtures) {
    const path = join(dir, name + '.json');
    writeFileSync(path, formatTraceFixture(f));
    written.push(path);
  }
  return written;
}

if (require.main === module) {
  const fixtures = recordTraceFixtures(readExampleManifests());
  if (process.argv.includes('--check')) {
    const stale = [...fixtures].filter(([name, f]) => {
      try {
        return readFileSync(join(traceFixtureDir, name + '.json'), 'utf8') !== formatTraceFixture(f);
      } catch {
        return true;
      }
    }).map(([name]) => name);
    if (stale.length > 0) {
      console.error(`stale trace fixtures (run npx tsx scripts/record-trace-fixtures.ts): ${stale.join(', ')}`);
      process.exit(1);
    }
    console.log(`${fixtures.size} trace fixtures match the engine`);
  } else {
    for (const p of writeTraceFixtures(fixtures)) console.log(`wrote ${p.slice(repoRoot.length + 1)}`);
  }
}
