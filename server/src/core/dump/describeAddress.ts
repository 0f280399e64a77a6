/**
 * What an address or CIDR written in a dump is in the workspace's cluster: a pod, a Service's
 * ClusterIP / load-balancer / external IP, a node, or one of the cluster's CIDRs. Pure.
 */
import ipaddr from 'ipaddr.js';
import type { Cluster } from '../cluster/synthesizeCluster';
import type { GeneratedServicePort } from '../kubeproxy/types';
import { assumedLabel, indexAssumptions } from './assumedValues';

export interface AddressMeaning {
  readonly kind: 'pod' | 'service' | 'node' | 'cidr';
  /** One plain sentence. */
  readonly text: string;
  /** For pods and Services: the object. */
  readonly object?: { readonly kind: 'Pod' | 'Service' | 'Node'; readonly namespace?: string; readonly name: string };
  readonly assumed: boolean;
}

function parseCidr(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  try {
    if (text.includes('/')) return ipaddr.parseCIDR(text);
    const a = ipaddr.parse(text);
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

/** Splits `ip:port`, `[ip]:port`, `ip`, `ip/len` into address part and port. */
export function splitAddress(value: string): { address: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (v6) return v6[2] ? { address: v6[1], port: Number(v6[2]) } : { address: v6[1] };
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?)(?::(\d+)(?:-\d+)?)?$/.exec(value);
  if (v4) return v4[2] ? { address: v4[1], port: Number(v4[2]) } : { address: v4[1] };
  return { address: value };
}

function contains(outer: string, inner: [ipaddr.IPv4 | ipaddr.IPv6, number]): boolean {
  const o = parseCidr(outer);
  if (!o || o[0].kind() !== inner[0].kind() || o[1] > inner[1]) return false;
  return inner[0].match(o[0], o[1]);
}

/** Every meaning the workspace gives `value` (an address, `ip:port`, or a CIDR). */
export function describeAddress(value: string, cluster: Cluster, servicePorts: readonly GeneratedServicePort[]): AddressMeaning[] {
  const { address, port } = splitAddress(value);
  const parsed = parseCidr(address);
  if (!parsed) return [];
  const [ip, bits] = parsed;
  const single = bits === (ip.kind() === 'ipv4' ? 32 : 128);
  const same = (other: string): boolean => {
    const p = parseCidr(other);
    return !!p && p[0].kind() === ip.kind() && p[0].toNormalizedString() === ip.toNormalizedString();
  };
  const out: AddressMeaning[] = [];
  if (single) {
    for (const pod of cluster.pods) {
      if (!same(pod.ip)) continue;
      out.push({
        kind: 'pod', assumed: pod.assumed, object: { kind: 'Pod', namespace: pod.namespace, name: pod.name },
        text: `pod ${pod.namespace}/${pod.name} of ${pod.owner} on node ${pod.nodeName}${pod.assumed ? ' (assumed address)' : ''}${port !== undefined ? `, port ${port}` : ''}`,
      });
    }
    const seen = new Set<string>();
    const assumedOf = indexAssumptions(cluster.assumptions);
    for (const sp of servicePorts) {
      const assumed = assumedOf(sp);
      const roles: string[] = [];
      let anyAssumed = false;
      const role = (words: string, isAssumed: boolean): void => {
        roles.push(`${words}${assumedLabel(isAssumed)}`);
        anyAssumed ||= isAssumed;
      };
      if (same(sp.clusterIP)) role('ClusterIP', assumed.clusterIP);
      const lb = sp.loadBalancerIPs.find(same);
      if (lb !== undefined) role('load-balancer IP', assumed.loadBalancerIPs.has(lb));
      if (sp.externalIPs.some(same)) role('external IP', false);
      if (roles.length === 0) continue;
      if (port !== undefined && port !== sp.port) continue;
      const key = `${sp.svcPortName}/${roles.join()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        kind: 'service', assumed: anyAssumed, object: { kind: 'Service', namespace: sp.namespace, name: sp.name },
        text: `the ${roles.join(' and ')} of Service ${sp.svcPortName} (${sp.protocol} port ${sp.port}${sp.nodePort ? `, NodePort ${sp.nodePort}${assumedLabel(assumed.nodePort)}` : ''})`,
      });
    }
    for (const node of cluster.nodes) {
      if (!same(node.internalIP)) continue;
      out.push({ kind: 'node', assumed: node.assumed, object: { kind: 'Node', name: node.name }, text: `the InternalIP of node ${node.name}${node.assumed ? ' (assumed)' : ''}` });
    }
  }
  const cidrs: [string, string][] = [
    [cluster.settings.podCIDR, 'the cluster pod CIDR'],
    [cluster.settings.serviceCIDR, 'the Service CIDR'],
    [cluster.settings.nodeSubnet, 'the node subnet'],
    [cluster.settings.loadBalancerCIDR, 'the load-balancer address range'],
    ...cluster.nodes.map((n): [string, string] => [n.podCIDR, `node ${n.name}'s pod CIDR`]),
  ];
  for (const [cidr, words] of cidrs) {
    if (!cidr) continue;
    const c = parseCidr(cidr);
    if (!c) continue;
    if (!single && same(c[0].toString()) && c[1] === bits) out.push({ kind: 'cidr', assumed: false, text: `exactly ${words} (${cidr})` });
    else if (contains(cidr, parsed)) out.push({ kind: 'cidr', assumed: false, text: `${single ? 'an address' : 'a range'} in ${words} (${cidr})` });
    else if (!single && contains(address, c)) out.push({ kind: 'cidr', assumed: false, text: `a range that contains ${words} (${cidr})` });
  }
  return out;
}
