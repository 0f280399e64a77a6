// Hover on a conntrack entry: the original and reply tuples decoded into "client → Service →
// endpoint", whether DNAT and SNAT happened, the Service of the workspace it belongs to, and the
// table-capacity arithmetic (kubePacketPath.conntrack.max and the timeouts).
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
import { conntrackCapacity, decodeConntrackEntry, type AddressToService } from '../core/conntrack/decodeConntrack';
import { indexAssumptions } from '../core/dump/assumedValues';
import type { GeneratedServicePort } from '../core/kubeproxy/types';
import type { WorkspaceSnapshot } from '../core/workspace/workspaceSnapshot';
import { escapeMarkdown, inlineCode, type FeatureContext } from './featureContext';
import { conntrackTableOf, currentDumpSettings, dumpWorkspaceOf, openConntrack } from './dumpDocuments';

/** Names the workspace Service port an (address, port, protocol) the client asked for belongs to. */
export function serviceAddressMapper(snapshot: WorkspaceSnapshot, family: 'ipv4' | 'ipv6' = 'ipv4'): AddressToService {
  const workspace = dumpWorkspaceOf(snapshot);
  if (workspace.nodes.length === 0) return () => undefined;
  const sps: readonly GeneratedServicePort[] = workspace.nodeRules(undefined, family).generated.servicePorts;
  const nodeIPs = new Set(workspace.nodes.map((n) => n.internalIP).filter((ip): ip is string => !!ip));
  const assumedOf = indexAssumptions(workspace.cluster.assumptions);
  const table = new Map<string, string>();
  for (const sp of sps) {
    const proto = sp.protocol.toLowerCase();
    const assumed = assumedOf(sp);
    // A match on a made-up address is a guess: say so.
    const name = (isAssumed: boolean, what: string): string => (isAssumed ? `${sp.svcPortName} (assumed ${what})` : sp.svcPortName);
    if (sp.clusterIP) table.set(`${sp.clusterIP}|${sp.port}|${proto}`, name(assumed.clusterIP, 'ClusterIP'));
    for (const ip of sp.loadBalancerIPs) if (ip) table.set(`${ip}|${sp.port}|${proto}`, name(assumed.loadBalancerIPs.has(ip), 'load-balancer IP'));
    for (const ip of sp.externalIPs) if (ip) table.set(`${ip}|${sp.port}|${proto}`, sp.svcPortName);
    if (sp.nodePort) for (const ip of nodeIPs) table.set(`${ip}|${sp.nodePort}|${proto}`, `${sp.svcPortName} (NodePort${assumed.nodePort ? ', assumed' : ''})`);
  }
  return (address, port, protocol) => table.get(`${address}|${port ?? ''}|${protocol.toLowerCase()}`);
}

function count(n: number): string {
  return Math.floor(n).toLocaleString('en-US');
}

export function provideConntrackHover(ctx: FeatureContext, params: HoverParams): Hover | null {
  const doc = openConntrack(ctx, params.textDocument.uri);
  const positions = doc && ctx.positions(doc.uri);
  if (!doc || !positions) return null;
  const table = conntrackTableOf(doc);
  const offset = positions.toOffset(params.position);
  const entry = table.entries.find((e) => e.span.start <= offset && offset <= e.span.end);
  if (!entry) return null;
  const d = decodeConntrackEntry(entry);
  const service = serviceAddressMapper(ctx.snapshot, entry.family)(d.service.address, d.service.port, entry.protocol);
  const settings = currentDumpSettings();
  const held = entry.state === 'ESTABLISHED' && entry.protocol === 'tcp' ? settings.tcpTimeoutEstablished : 120;
  const capacity = conntrackCapacity({ max: settings.conntrackMax, timeoutSeconds: 120, current: table.entries.length });
  const established = conntrackCapacity({ max: settings.conntrackMax, timeoutSeconds: settings.tcpTimeoutEstablished });
  const lines = [
    `**${escapeMarkdown(d.summary)}**`,
    '',
    `${entry.protocol.toUpperCase()}${entry.state ? ` ${inlineCode(entry.state)}` : ''}${entry.flags.length ? ` [${entry.flags.map(escapeMarkdown).join(', ')}]` : ''}, expires in ${count(entry.timeout)} s.`,
    '',
    `- client: ${inlineCode(`${d.client.address}${d.client.port !== undefined ? `:${d.client.port}` : ''}`)}`,
    `- asked for: ${inlineCode(`${d.service.address}${d.service.port !== undefined ? `:${d.service.port}` : ''}`)}${service ? ` — Service ${inlineCode(service)}` : ' — no Service of the workspace'}`,
    `- answered by: ${inlineCode(`${d.endpoint.address}${d.endpoint.port !== undefined ? `:${d.endpoint.port}` : ''}`)}`,
    `- DNAT: ${d.dnat ? 'yes' : 'no'}; SNAT/masquerade: ${d.snat ? `yes (the endpoint sees ${inlineCode(d.seenAs.address)})` : 'no'}`,
    '',
    escapeMarkdown(d.explanation),
    '',
    '---',
    '',
    `**Table capacity** (nf_conntrack_max ${count(settings.conntrackMax)}, from kubePacketPath.conntrack.max):`,
    '',
    `- ${escapeMarkdown(capacity.explanation)}`,
    `- Established TCP entries are held for ${count(settings.tcpTimeoutEstablished)} s (kubePacketPath.conntrack.tcpTimeoutEstablished) unless closed: ${count(settings.conntrackMax)} / ${count(settings.tcpTimeoutEstablished)} s ≈ ${established.newConnectionsPerSecond >= 10 ? count(established.newConnectionsPerSecond) : established.newConnectionsPerSecond.toFixed(2)} new long-lived connections per second.`,
    `- This entry is held for up to ${count(held)} s after its last packet.`,
  ];
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range: positions.toRange(entry.span) };
}
