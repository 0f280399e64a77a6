// CodeLens `Trace from here` on the `-A KUBE-SERVICES ... -d IP --dport N -j KUBE-...` rules of an
// open dump: runs kubePacketPath.tracePacketPath for that Service port on the dump's own rules
// (scenario.rules = {dumpUri}), on the node the dump came from.
import type { CodeLens } from 'vscode-languageserver';
import { clusterOfSnapshot } from '../core/cluster/clusterOfSnapshot';
import { defaultScenario } from '../core/trace/buildTrace';
import type { Entry, SourceKind, TraceScenario } from '../core/trace/types';
import { RulesCommands } from '../protocol';
import type { CodeLensProvider } from './codeLens';
import { dumpAnalysisOf, openDump } from './dumpDocuments';
import { currentSettings } from './settings';

function option(values: readonly { name: string; negated: boolean; values: readonly string[] }[], ...names: string[]): string | undefined {
  return values.find((o) => names.includes(o.name) && !o.negated)?.values[0];
}

export const traceFromHereLens: CodeLensProvider = {
  id: 'trace-from-here',
  provideCodeLenses(ctx, uri): readonly CodeLens[] {
    const doc = openDump(ctx, uri);
    const positions = doc && ctx.positions(doc.uri);
    if (!doc || !positions) return [];
    const analysis = dumpAnalysisOf(ctx, doc);
    const services = analysis.ruleset.tables.find((t) => t.name === 'nat')?.chains.find((c) => c.name === 'KUBE-SERVICES');
    if (!services || !analysis.node.name) return [];
    const { cluster, objects } = clusterOfSnapshot(ctx.snapshot, currentSettings().cluster);
    const out: CodeLens[] = [];
    for (const rule of services.rules) {
      const owner = rule.target ? analysis.map.byChain.get(rule.target.name) : undefined;
      const sp = owner?.servicePort;
      if (!sp || owner.kind === 'sep') continue;
      const options = rule.matches.flatMap((m) => m.options);
      const dst = option(options, '-d', '--destination')?.replace(/\/32$/, '');
      const dport = option(options, '--dport', '--destination-port');
      if (!dst || !dport) continue;
      let via: Entry;
      let source: SourceKind;
      // What kind of address this is: kube-proxy says so in the rule's comment ("ns/name:port
      // cluster IP" / "loadbalancer IP" / "external IP"), which holds on a real node whose
      // addresses differ from the manifests' (possibly assumed) ones; else compare with those.
      const kind = / (cluster IP|loadbalancer IP|external IP)$/.exec(rule.comment ?? '')?.[1];
      // ClusterIP traffic is DNATed on the sending pod's node: start from a pod on the dump's node.
      if (kind === 'cluster IP' || (!kind && dst === sp.clusterIP)) [via, source] = ['clusterip', 'pod-same-node'];
      else if (kind === 'loadbalancer IP' || (!kind && sp.loadBalancerIPs.includes(dst))) [via, source] = ['loadbalancer', 'external'];
      else if (kind === 'external IP' || (!kind && sp.externalIPs.includes(dst))) [via, source] = ['externalip', 'external'];
      else continue;
      const port = Number(dport);
      if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
      const portName = sp.portName !== '' ? sp.portName : String(sp.port);
      const base = defaultScenario(cluster, objects, 'Service', sp.namespace, sp.name, portName);
      // The packet goes to the address this rule matches on the node, not the manifests' one.
      const scenario: TraceScenario = { ...base, via, source, node: analysis.node.name, rules: { dumpUri: doc.uri }, destination: { address: dst, port } };
      const at = positions.toRange({ start: rule.span.start, end: rule.span.start });
      out.push({ range: at, command: { title: `Trace from here (${sp.svcPortName} via ${dst}:${dport})`, command: RulesCommands.tracePacketPath, arguments: [scenario] } });
    }
    return out;
  },
};
