// Hover section on a Service (its `kind` line or `metadata.name`) and on each of its ports: the
// rules kube-proxy writes for it on the configured node, in the configured flavour, picked from
// the whole node's text (byte-identical to what the node prints), with the chain names, the
// endpoint count and every assumed value the rules rest on. hover.ts composes it with the selector
// hover.
import { fieldNode, valueAt } from '../core/manifests/fieldSpan';
import type { ManifestObject } from '../core/manifests/types';
import { findServicePorts, formatNodeRules, formatServicePortLines, selectServicePortLines } from '../core/cluster/serviceRulesText';
import type { GeneratedServicePort } from '../core/kubeproxy/types';
import { locateField } from '../core/queries/locateField';
import type { Span } from '../core/text/span';
import { currentRules } from './generatedRules';
import { escapeMarkdown, inlineCode, type FeatureContext } from './featureContext';
import { currentSettings } from './settings';

export interface ServiceRulesHover {
  readonly lines: readonly string[];
  /** What the hover highlights: the `kind` entry, the name, or the port item. */
  readonly span: Span;
}

const FORMAT_LABEL = { 'restore': 'iptables-restore input', 'save-legacy': 'iptables-save (legacy)', 'save-nft': 'iptables-save (nft)' } as const;

/** Where in a Service the offset is: on its kind/name (every port) or in `spec.ports[i]`. */
export function findServiceRulesTarget(ctx: FeatureContext, uri: string, offset: number): { service: ManifestObject; portIndex?: number; span: Span } | undefined {
  const file = ctx.snapshot.file(uri);
  if (!file) return undefined;
  const locus = locateField(file, offset);
  if (!locus || locus.object.kind !== 'Service') return undefined;
  const { object, path, node } = locus;
  const whole = (): Span => ({ start: node.keySpan?.start ?? node.valueSpan.start, end: node.valueSpan.end });
  if ((path.length === 1 && path[0] === 'kind') || (path.length === 2 && path[0] === 'metadata' && path[1] === 'name')) {
    return { service: object, span: whole() };
  }
  if (path.length >= 3 && path[0] === 'spec' && path[1] === 'ports' && typeof path[2] === 'number') {
    const item = fieldNode(object, ['spec', 'ports', path[2]]);
    return { service: object, portIndex: path[2], span: item?.valueSpan ?? whole() };
  }
  return undefined;
}

/** The name kube-proxy gives the manifest's port `i` ('' when unnamed). */
export function portNameAt(service: ManifestObject, i: number): string {
  const name = valueAt(service.value, ['spec', 'ports', i, 'name']);
  return typeof name === 'string' ? name : '';
}

/** A fence longer than any backtick run in `text`, so manifest text cannot close the block. */
export function codeFence(text: string): string {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One line per chain of a port: `KUBE-SVC-… → 3 endpoints: KUBE-SEP-… 10.244.0.154:80, …`. */
function describePort(p: GeneratedServicePort): string {
  const label = p.portName ? `port ${inlineCode(p.portName)}` : 'port';
  const head = `- ${label} ${inlineCode(`${p.protocol} ${p.port}`)}${p.nodePort ? ` (NodePort ${p.nodePort})` : ''}`;
  if (!p.hasEndpoints) return `${head}: no endpoints, kube-proxy writes REJECT rules`;
  const chainOf = new Map(p.endpoints.map((e) => [e.endpoint, e.chain]));
  const parts: string[] = [];
  const list = (eps: readonly string[]) => eps.map((e) => `${inlineCode(chainOf.get(e) ?? '?')} ${inlineCode(e)}`).join(', ');
  if (p.used.svc) parts.push(`${inlineCode(p.chains.svc)} → ${plural(p.clusterEndpoints.length, 'endpoint')}${p.clusterEndpoints.length ? `: ${list(p.clusterEndpoints)}` : ''}`);
  if (p.used.svl) parts.push(`${inlineCode(p.chains.svl)} → ${plural(p.localEndpoints.length, 'local endpoint')}${p.localEndpoints.length ? `: ${list(p.localEndpoints)}` : ''}`);
  const extra = [p.used.ext ? inlineCode(p.chains.ext) : '', p.used.fw ? inlineCode(p.chains.fw) : ''].filter(Boolean);
  return `${head}: ${parts.join('; ')}${extra.length ? ` (also ${extra.join(', ')})` : ''}`;
}

/** The Markdown lines of the rules section for `service` (one port, or all). */
export function describeServiceRules(ctx: FeatureContext, service: ManifestObject, portIndex?: number): string[] {
  const settings = currentSettings();
  const { cluster, rules, nodeError } = currentRules(ctx.snapshot);
  const ns = service.namespace ?? 'default';
  const key = `${ns}/${service.name}`;
  const ports = findServicePorts(rules, ns, service.name, portIndex === undefined ? undefined : portNameAt(service, portIndex));
  const node = rules.node;
  const head = `**kube-proxy rules** for Service ${inlineCode(service.name)}${portIndex !== undefined ? ` port ${inlineCode(portNameAt(service, portIndex) || String(valueAt(service.value, ['spec', 'ports', portIndex, 'port']) ?? portIndex))}` : ''} on node ${inlineCode(node.name)}${node.assumed ? ' (assumed)' : ''} — ${FORMAT_LABEL[settings.rules.format]}`;
  const out: string[] = [head, ''];
  if (nodeError) out.push(escapeMarkdown(nodeError), '');
  if (service.inBrokenDocument) return [...out, 'The YAML around this Service has syntax errors: fix them to see its rules.'];
  if (ports.length === 0) {
    const type = valueAt(service.value, ['spec', 'type']);
    const why = type === 'ExternalName' ? 'an ExternalName Service is a DNS alias' : valueAt(service.value, ['spec', 'clusterIP']) === 'None' ? 'a headless Service has no virtual IP' : 'kube-proxy skips it (no usable port or ClusterIP)';
    return [...out, `No rules: ${why}.`];
  }
  out.push(...ports.map(describePort));
  const endpointIps = new Set(ports.flatMap((p) => p.endpoints.map((e) => e.ip)));
  const assumed = cluster.assumptions.filter((a) => a.owner === key || (a.what === 'podIP' && endpointIps.has(a.value)) || (a.what === 'node' && a.owner === node.name));
  if (assumed.length > 0) out.push('', 'Assumed values (not in the manifests):', '', ...assumed.map((a) => `- ${escapeMarkdown(a.text)}`));
  const whole = formatNodeRules(rules, settings.rules.format);
  const selection = selectServicePortLines(whole.text, ports);
  const block = formatServicePortLines(selection).replace(/\n$/, '');
  const fence = codeFence(block);
  out.push('', fence + 'iptables', block, fence);
  const problems = [...whole.errors, ...selection.errors];
  if (problems.length > 0) out.push('', ...problems.map((e) => `- ${escapeMarkdown(e)}`));
  return out;
}

/** The rules section at `offset`, or undefined when the offset is not on a Service's kind, name or port. */
export function findServiceRulesHover(ctx: FeatureContext, uri: string, offset: number): ServiceRulesHover | undefined {
  const target = findServiceRulesTarget(ctx, uri, offset);
  if (!target) return undefined;
  return { lines: describeServiceRules(ctx, target.service, target.portIndex), span: target.span };
}
