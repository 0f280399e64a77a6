import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { clusterOfSnapshot } from '../core/cluster/clusterOfSnapshot';
import { parseDump } from '../core/iptables/parseDump';
import type { Ruleset } from '../core/iptables/model';
import { tracePacket } from '../core/simulator/tracePacket';
import type { PacketOrigin, Protocol, TraceResult } from '../core/simulator/types';
import { buildTrace, defaultScenario } from '../core/trace/buildTrace';
import { formatTraceText } from '../core/trace/formatText';
import type { PathTrace, TraceScenario } from '../core/trace/types';
import { describeError } from './collectFiles';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CliIo, type Subcommand } from './io';
import { ArgReader, CLUSTER_HELP, CLUSTER_OPTIONS, clusterSettingsFrom, loadWorkspace } from './workspaceLoad';

const USAGE = `Usage:
  kpp trace [PATH...] (--service NS/NAME[:PORT] | --ingress NS/NAME [--host HOST] [--path PATH])
            [--from external[:IP]|pod:NS/NAME|node:NAME] [--via loadbalancer|nodeport|clusterip|externalip]
            [--node NAME] [--etp Cluster|Local] [--itp Cluster|Local] [--returning-client]
            [--dump FILE] [--format text|json] [--verbose]
  kpp trace --dump FILE --src IP --dst IP --dport N [--sport N] [--proto tcp|udp|sctp]
            [--local-address IP[,IP...]] [--from outside|pod|node] [--format text|json]

The first form traces a packet to a Service or through an Ingress, hop by hop, on the rules
kube-proxy would write on the receiving node for the manifests under PATH (default: the current
folder), or on a dump of that node's rules (--dump). The second form traces any packet through an
iptables-save / iptables -S / iptables -L dump.

  --service NS/NAME[:PORT]  The Service (and port name or number; default its first port)
  --ingress NS/NAME         The Ingress; --host and --path give the request (default: its first host, /)
  --from                    external (optionally :IP), pod:NS/NAME (a pod or workload), node:NAME
  --via                     How the packet comes in (default: the Service's most external way)
  --node NAME               The node that receives the packet
  --etp, --itp              What-if external/internal traffic policy
  --returning-client        A client the session-affinity rules have seen before
  --format json             {"outcomes":[{probability, verdict, packet, masqueraded, hops, rulesEvaluated, unevaluated}]}

${CLUSTER_HELP}

Exit status: 0 when every path reaches an endpoint, 1 when some path is dropped or rejected,
2 on bad usage or an unreadable file.
`;

const VALUED = ['--service', '--ingress', '--host', '--path', '--from', '--via', '--node', '--etp', '--itp', '--dump', '--format', '--src', '--dst', '--dport', '--sport', '--proto', '--local-address', ...CLUSTER_OPTIONS];
const FLAGS = ['--returning-client', '--verbose'];

function readDump(path: string, cwd: string): { uri: string; text: string; ruleset: Ruleset } {
  const abs = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read "${path}": ${describeError(e)}`);
  }
  return { uri: abs, text, ruleset: parseDump(text) };
}

/** The dump tracer's JSON: hops carry 1-based line numbers of the dump. */
function resultJson(result: TraceResult): unknown {
  return {
    outcomes: result.outcomes.map((o) => ({
      probability: o.probability,
      verdict: o.verdict,
      packet: o.packet,
      masqueraded: o.masqueraded,
      hops: o.hops.map((h) => ({ table: h.table, chain: h.chain, rule: h.rule ?? null, line: h.line === undefined ? null : h.line + 1, action: h.action })),
      rulesEvaluated: o.rulesEvaluated,
      unevaluated: o.unevaluated.map((u) => ({ ...u, line: u.line + 1 })),
      ...(o.reason ? { reason: o.reason } : {}),
      ...(o.notes && o.notes.length > 0 ? { notes: o.notes } : {}),
    })),
  };
}

function traceJson(trace: PathTrace): unknown {
  return {
    title: trace.title,
    scenario: trace.scenario,
    assumptions: trace.assumptions,
    errors: trace.errors,
    ...(trace.ingress ? { ingress: trace.ingress } : {}),
    outcomes: trace.branches.map((b) => ({
      probability: b.probability,
      verdict: b.verdict,
      packet: b.steps.at(-1)?.packet ?? null,
      masqueraded: b.masqueraded,
      hops: b.steps.filter((s) => s.table).map((s) => ({ table: s.table, chain: s.chain, rule: s.rule ?? null, line: s.line === undefined ? null : s.line + 1 })),
      rulesEvaluated: b.rulesEvaluated,
      unevaluated: b.unevaluated,
      ...(b.endpoint ? { endpoint: b.endpoint } : {}),
      ...(b.reason ? { reason: b.reason } : {}),
      ...(b.conntrack ? { conntrack: b.conntrack } : {}),
      steps: b.steps,
      reply: b.reply,
    })),
  };
}

function port(r: ArgReader, name: string, fallback?: number): number {
  const v = r.integer(name, 0, 65535);
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UsageError(`${name} is required with --dump and no --service/--ingress`);
  }
  return v;
}

function runDumpTrace(r: ArgReader, io: CliIo, format: 'text' | 'json'): number {
  const dump = readDump(r.value('--dump')!, io.cwd);
  const src = r.value('--src');
  const dst = r.value('--dst');
  if (!src || !dst) throw new UsageError('--src and --dst are required with --dump and no --service/--ingress');
  const from = r.oneOf<PacketOrigin>('--from', ['outside', 'pod', 'node'], 'outside');
  const proto = r.oneOf<Protocol>('--proto', ['tcp', 'udp', 'sctp'], 'tcp');
  const local = (r.value('--local-address') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const e of dump.ruleset.errors) io.stderr(`kpp trace: ${dump.uri}: ${e.severity}: ${e.message}\n`);
  const result = tracePacket(dump.ruleset, {
    packet: { src, sport: port(r, '--sport', 51234), dst, dport: port(r, '--dport'), proto },
    from,
    localAddresses: local.length > 0 ? local : ['127.0.0.1'],
    returningClient: r.flag('--returning-client'),
  });
  if (format === 'json') io.stdout(JSON.stringify(resultJson(result), null, 2) + '\n');
  else {
    const lines: string[] = [];
    result.outcomes.forEach((o, i) => {
      lines.push(`Outcome ${i + 1} of ${result.outcomes.length}: ${(o.probability * 100).toFixed(1)}% ${o.verdict}${o.reason ? ` (${o.reason})` : ''}`);
      lines.push(`  packet: ${o.packet.src}:${o.packet.sport} -> ${o.packet.dst}:${o.packet.dport} ${o.packet.proto}; masqueraded: ${o.masqueraded ? 'yes' : 'no'}; rules evaluated: ${o.rulesEvaluated}`);
      for (const h of o.hops) lines.push(`  ${h.line === undefined ? '    ' : String(h.line + 1).padStart(4)}  ${h.table} ${h.chain}: ${h.action}${h.rule ? `  ${h.rule}` : ''}`);
      for (const u of o.unevaluated) lines.push(`  not evaluated (line ${u.line + 1}): ${u.rule} — ${u.reason}`);
      for (const n of o.notes ?? []) lines.push(`  note: ${n}`);
    });
    if (!local.length) lines.push('', 'note: no --local-address given: only 127.0.0.1 is treated as the node\'s own address (assumed).');
    io.stdout(lines.join('\n') + '\n');
  }
  return result.outcomes.some((o) => o.verdict === 'dropped' || o.verdict === 'rejected') ? EXIT_FINDINGS : EXIT_OK;
}

function splitRef(value: string, what: string): { namespace: string; name: string; port?: string } {
  const m = /^([^/:\s]+)\/([^/:\s]+)(?::(\S+))?$/.exec(value);
  if (!m) throw new UsageError(`${what} must look like NAMESPACE/NAME${what === '--service' ? '[:PORT]' : ''} (got "${value}")`);
  return { namespace: m[1], name: m[2], ...(m[3] ? { port: m[3] } : {}) };
}

export const traceCommand: Subcommand = {
  name: 'trace',
  summary: 'Trace a packet to a Service or through an Ingress, or through an iptables dump',
  usage: USAGE,
  run(args: readonly string[], io: CliIo): number {
    const r = new ArgReader(args, VALUED, FLAGS, 'trace');
    const format = r.oneOf('--format', ['text', 'json'] as const, 'text');
    const service = r.value('--service');
    const ingress = r.value('--ingress');
    if (service && ingress) throw new UsageError('give --service or --ingress, not both');
    if (!service && !ingress) {
      if (r.value('--dump')) return runDumpTrace(r, io, format);
      throw new UsageError('give --service NS/NAME, --ingress NS/NAME, or --dump FILE with --src/--dst/--dport');
    }
    const settings = clusterSettingsFrom(r);
    const { snapshot } = loadWorkspace(r.positional, io.cwd);
    const { cluster, objects } = clusterOfSnapshot(snapshot, settings);
    const ref = splitRef((service ?? ingress)!, service ? '--service' : '--ingress');
    let scenario: TraceScenario = defaultScenario(cluster, objects, service ? 'Service' : 'Ingress', ref.namespace, ref.name, ref.port);
    const nodeName = r.value('--node');
    if (nodeName !== undefined) {
      if (!cluster.nodes.some((n) => n.name === nodeName)) throw new UsageError(`no node "${nodeName}": the nodes are ${cluster.nodes.map((n) => n.name).join(', ')}`);
      scenario = { ...scenario, node: nodeName };
    }
    const via = r.value('--via');
    if (via !== undefined) scenario = { ...scenario, via: r.oneOf('--via', ['loadbalancer', 'nodeport', 'clusterip', 'externalip'] as const, 'clusterip') };
    const from = r.value('--from');
    if (from !== undefined) {
      if (from === 'external' || from.startsWith('external:')) {
        scenario = { ...scenario, source: 'external', ...(from.length > 9 ? { sourceAddress: from.slice(9) } : {}) };
      } else if (from.startsWith('node:')) {
        const n = from.slice(5);
        if (!cluster.nodes.some((x) => x.name === n)) throw new UsageError(`no node "${n}": the nodes are ${cluster.nodes.map((x) => x.name).join(', ')}`);
        scenario = { ...scenario, source: 'node', node: n };
      } else if (from.startsWith('pod:')) {
        const p = splitRef(from.slice(4), '--from pod:');
        const pod = cluster.pods.find((x) => x.namespace === p.namespace && x.name === p.name) ?? cluster.pods.find((x) => x.namespace === p.namespace && x.owner.split('/')[1] === p.name);
        if (!pod) throw new UsageError(`no pod or workload ${p.namespace}/${p.name} in the workspace`);
        scenario = { ...scenario, source: 'pod-same-node', node: pod.nodeName, sourceAddress: pod.ip };
      } else throw new UsageError(`--from must be external[:IP], pod:NS/NAME or node:NAME (got "${from}")`);
    }
    const etp = r.value('--etp');
    if (etp !== undefined) scenario = { ...scenario, externalTrafficPolicy: r.oneOf('--etp', ['Cluster', 'Local'] as const, 'Cluster') };
    const itp = r.value('--itp');
    if (itp !== undefined) scenario = { ...scenario, internalTrafficPolicy: r.oneOf('--itp', ['Cluster', 'Local'] as const, 'Cluster') };
    if (r.flag('--returning-client')) scenario = { ...scenario, returningClient: true };
    if (ingress && r.value('--host') !== undefined) scenario = { ...scenario, host: r.value('--host')! };
    if (ingress && r.value('--path') !== undefined) scenario = { ...scenario, path: r.value('--path')! };

    let dump: { uri: string; ruleset: Ruleset } | undefined;
    if (r.value('--dump')) {
      dump = readDump(r.value('--dump')!, io.cwd);
      scenario = { ...scenario, rules: { dumpUri: dump.uri } };
      for (const e of dump.ruleset.errors) io.stderr(`kpp trace: ${dump.uri}: ${e.severity}: ${e.message}\n`);
    }
    const trace = buildTrace({ cluster, ...(dump ? { dump } : {}) }, objects, scenario);
    if (format === 'json') io.stdout(JSON.stringify(traceJson(trace), null, 2) + '\n');
    else io.stdout(formatTraceText(trace, { verbose: r.flag('--verbose') }));
    if (trace.errors.length > 0 && trace.branches.length === 0) {
      io.stderr(`kpp trace: ${trace.errors.join('; ')}\n`);
      return 2;
    }
    return trace.branches.some((b) => b.verdict === 'dropped' || b.verdict === 'rejected') ? EXIT_FINDINGS : EXIT_OK;
  },
};
