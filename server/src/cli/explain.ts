import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { clusterOfSnapshot, nodeRulesOfSnapshot } from '../core/cluster/clusterOfSnapshot';
import type { Assumption } from '../core/cluster/synthesizeCluster';
import { analyzeDump, type DumpAnalysis, type DumpWorkspace } from '../core/dump/analyzeDump';
import { LineIndex } from '../core/text/lineIndex';
import { describeError } from './collectFiles';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CliIo, type Subcommand } from './io';
import { ArgReader, CLUSTER_HELP, CLUSTER_OPTIONS, clusterSettingsFrom, displayPath, loadWorkspace } from './workspaceLoad';

const USAGE = `Usage: kpp explain DUMP [PATH...] [--node NAME] [--format text|json] [cluster options]

Reads an iptables-save / iptables -S / iptables -L dump from a node and the manifests under each
PATH (default: the current folder), and prints:

  - the chain-to-Service map: every KUBE-SVC/SVL/EXT/FW/SEP chain of the dump with the Service
    port (and endpoint) that produced it, found by recomputing kube-proxy's chain-name hashes
    from the manifests (current and pre-1.6 unnamed-port forms) or from the rule comments;
  - the drift report: where the dump disagrees with the rules kube-proxy would write on that
    node for the manifests (missing or unknown Services, endpoints, traffic policy, session
    affinity, NodePorts, "has no endpoints" REJECTs);
  - the values the manifests do not give (ClusterIPs, NodePorts, load-balancer IPs, pod IPs
    behind the endpoints) that were assumed to generate the rules: they are not compared.

  --node NAME     The node the dump came from (default: a "# node: NAME" line in the dump, the
                  file name iptables-save-NAME..., the node addresses and local endpoints in the
                  rules, else the first node)
  --format json   {"node":{...},"chains":[...],"drift":[...],"assumed":[...]}

${CLUSTER_HELP}

Exit status: 0 when there is no drift, 1 when there is, 2 on bad usage or an unreadable file.
`;

const VALUED = ['--node', '--format', ...CLUSTER_OPTIONS];

interface ExplainJson {
  readonly dump: string;
  readonly node: { readonly name?: string; readonly via: string; readonly reason: string };
  readonly chains: readonly { chain: string; kind: string; service?: string; endpoint?: string; via: string; inWorkspace: boolean }[];
  readonly drift: readonly { code: string; severity: string; message: string; line: number; column: number; service?: string }[];
  readonly parseErrors: readonly { message: string; line: number }[];
  /** Service values the manifests do not give, assumed to generate the rules (not compared). */
  readonly assumed: readonly { what: string; owner: string; value: string; text: string }[];
}

const SERVICE_ASSUMPTIONS = new Set(['clusterIP', 'nodePort', 'loadBalancerIP', 'healthCheckNodePort', 'endpoints']);

/** The assumptions about the Services the dump was compared with. */
function assumedFor(analysis: DumpAnalysis, assumptions: readonly Assumption[]): ExplainJson['assumed'] {
  const services = new Set((analysis.nodeRules?.generated.servicePorts ?? []).map((sp) => `${sp.namespace}/${sp.name}`));
  return assumptions
    .filter((a) => SERVICE_ASSUMPTIONS.has(a.what) && services.has(a.owner))
    .map((a) => ({ what: a.what, owner: a.owner, value: a.value, text: a.text }));
}

/** The explain report as plain data (1-based lines). */
export function explainJson(dumpPath: string, text: string, analysis: DumpAnalysis, assumptions: readonly Assumption[] = []): ExplainJson {
  const lines = new LineIndex(text);
  return {
    dump: dumpPath,
    node: { ...(analysis.node.name ? { name: analysis.node.name } : {}), via: analysis.node.via, reason: analysis.node.reason },
    chains: analysis.map.owners.map((o) => ({
      chain: o.chain, kind: o.kind, ...(o.svcPortName ? { service: o.svcPortName } : {}), ...(o.endpoint ? { endpoint: o.endpoint } : {}), via: o.via, inWorkspace: o.servicePort !== undefined,
    })),
    drift: analysis.drift.map((f) => {
      const p = lines.positionAt(f.span.start);
      return { code: f.code, severity: f.severity, message: f.message, line: p.line + 1, column: p.character + 1, ...(f.service ? { service: f.service.svcPortName } : {}) };
    }),
    parseErrors: analysis.ruleset.errors.filter((e) => e.severity === 'error').map((e) => ({ message: e.message, line: lines.positionAt(e.span.start).line + 1 })),
    assumed: assumedFor(analysis, assumptions),
  };
}

/** A finding where the node and the manifests disagree (not a "has no endpoints" REJECT both agree on). */
function isDrift(d: { severity: string }): boolean {
  return d.severity !== 'information';
}

function formatText(report: ExplainJson): string {
  const out: string[] = [];
  out.push(`${report.dump}: node ${report.node.name ?? '(none)'} — ${report.node.reason}`);
  out.push('');
  out.push(`Chains (${report.chains.length}):`);
  const width = Math.max(0, ...report.chains.map((c) => c.chain.length));
  for (const c of report.chains) {
    const owner = c.service ? `${c.service}${c.endpoint ? ` → ${c.endpoint}` : ''}` : c.endpoint ? `? → ${c.endpoint}` : '?';
    const how = c.via === 'none' ? 'unknown' : c.via;
    out.push(`  ${c.chain.padEnd(width)}  ${owner}  (${how}${c.inWorkspace ? '' : ', not in the workspace'})`);
  }
  out.push('');
  if (report.parseErrors.length > 0) {
    out.push(`Parse errors (${report.parseErrors.length}):`);
    for (const e of report.parseErrors) out.push(`  ${report.dump}:${e.line}: ${e.message}`);
    out.push('');
  }
  const drift = report.drift.filter(isDrift);
  const notes = report.drift.filter((d) => !isDrift(d));
  if (drift.length === 0) {
    out.push('No drift: the dump matches the rules generated for the manifests.');
  } else {
    out.push(`Drift (${drift.length}):`);
    for (const d of drift) out.push(`  ${report.dump}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`);
  }
  if (notes.length > 0) {
    out.push('', `Notes (${notes.length}, the manifests agree):`);
    for (const d of notes) out.push(`  ${report.dump}:${d.line}:${d.column}: ${d.code}: ${d.message}`);
  }
  if (report.assumed.length > 0) {
    out.push('', `Assumed (${report.assumed.length}, the manifests do not give these; not compared with the dump):`);
    for (const a of report.assumed) out.push(`  ${a.text}`);
  }
  return out.join('\n') + '\n';
}

export const explainCommand: Subcommand = {
  name: 'explain',
  summary: 'Map a node dump\'s chains to the manifests\' Services and report drift',
  usage: USAGE,
  run(args: readonly string[], io: CliIo): number {
    const r = new ArgReader(args, VALUED, [], 'explain');
    const [dumpArg, ...paths] = r.positional;
    if (!dumpArg) throw new UsageError('a DUMP file is required (see kpp explain --help)');
    const format = r.oneOf('--format', ['text', 'json'] as const, 'text');
    const settings = clusterSettingsFrom(r);
    const abs = resolve(io.cwd, dumpArg);
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read "${dumpArg}": ${describeError(e)}`);
    }
    const { snapshot } = loadWorkspace(paths, io.cwd);
    const { cluster } = clusterOfSnapshot(snapshot, settings);
    const nodeName = r.value('--node');
    if (nodeName !== undefined && !cluster.nodes.some((n) => n.name === nodeName)) {
      throw new UsageError(`no node "${nodeName}" (nodes: ${cluster.nodes.map((n) => n.name).join(', ')})`);
    }
    const workspace: DumpWorkspace = {
      assumptions: cluster.assumptions,
      nodes: nodeName !== undefined
        ? cluster.nodes.filter((n) => n.name === nodeName).map((n) => ({ name: n.name, internalIP: n.internalIP }))
        : cluster.nodes.map((n) => ({ name: n.name, internalIP: n.internalIP })),
      nodeRules: (name, family) => nodeRulesOfSnapshot(snapshot, settings, { ...(name !== undefined ? { nodeName: name } : nodeName !== undefined ? { nodeName } : {}), family }),
    };
    const analysis = analyzeDump(text, workspace, { fileName: basename(abs), ...(nodeName !== undefined ? { nodeSetting: nodeName } : {}) });
    const report = explainJson(displayPath(io.cwd, abs), text, analysis, cluster.assumptions);
    io.stdout(format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatText(report));
    return report.drift.some(isDrift) ? EXIT_FINDINGS : EXIT_OK;
  },
};
