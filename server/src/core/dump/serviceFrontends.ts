/**
 * The addresses a dump itself gives a Service port: the `-d` / `--dport` of the nat KUBE-SERVICES
 * rules that jump to one of its chains (cluster IP, load-balancer and external IPs) and the
 * `--dport` of the KUBE-NODEPORTS rules. On a real node these are the truth, where the workspace
 * may only have assumed values. Pure.
 */
import type { Rule, Ruleset } from '../iptables/model';
import type { ChainMap } from './mapChains';

/** `externalOrLoadBalancerIP`: a KUBE-EXT jump in a dump without comments, which cannot tell. */
export type FrontendKind = 'clusterIP' | 'loadBalancerIP' | 'externalIP' | 'externalOrLoadBalancerIP' | 'nodePort';

export interface ServiceFrontend {
  readonly kind: FrontendKind;
  /** Without a `/32` or `/128`; absent for NodePorts (every local address). */
  readonly address?: string;
  readonly port?: string;
  /** Lower case, as written after `-p`. */
  readonly protocol?: string;
  /** The rule it was read from. */
  readonly rule: Rule;
}

function optionValue(rule: Rule, ...names: string[]): string | undefined {
  for (const m of rule.matches) for (const o of m.options) if (names.includes(o.name) && !o.negated) return o.values[0];
  return undefined;
}

function hostAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.replace(/\/(?:32|128)$/, '');
}

function kindOfServicesRule(rule: Rule, targetKind: string | undefined): FrontendKind {
  const c = rule.comment ?? '';
  if (c.endsWith(' cluster IP')) return 'clusterIP';
  if (c.endsWith(' loadbalancer IP')) return 'loadBalancerIP';
  if (c.endsWith(' external IP')) return 'externalIP';
  // No comments (large clusters): the cluster IP leads to the SVC/SVL chain, a firewall chain
  // exists only for load balancers; an EXT jump is an external or load-balancer IP.
  if (targetKind === 'svc' || targetKind === 'svl') return 'clusterIP';
  if (targetKind === 'fw') return 'loadBalancerIP';
  return 'externalOrLoadBalancerIP';
}

/** Every frontend of `svcPortName` in the dump, in rule order (NodePorts once per port). */
export function findServiceFrontends(ruleset: Ruleset, map: ChainMap, svcPortName: string): ServiceFrontend[] {
  const out: ServiceFrontend[] = [];
  const nat = ruleset.tables.find((t) => t.name === 'nat');
  if (!nat) return out;
  const ownerOf = (rule: Rule) => (rule.target ? map.byChain.get(rule.target.name) : undefined);
  const protocolOf = (rule: Rule): string | undefined => optionValue(rule, '-p', '--protocol')?.toLowerCase();
  const services = nat.chains.find((c) => c.name === 'KUBE-SERVICES');
  for (const r of services?.rules ?? []) {
    const owner = ownerOf(r);
    if (!owner || owner.svcPortName !== svcPortName || owner.kind === 'sep') continue;
    const address = hostAddress(optionValue(r, '-d', '--destination'));
    const port = optionValue(r, '--dport', '--destination-port');
    const protocol = protocolOf(r);
    out.push({ kind: kindOfServicesRule(r, owner.kind), ...(address ? { address } : {}), ...(port ? { port } : {}), ...(protocol ? { protocol } : {}), rule: r });
  }
  const seen = new Set<string>();
  for (const r of nat.chains.find((c) => c.name === 'KUBE-NODEPORTS')?.rules ?? []) {
    const owner = ownerOf(r);
    const port = optionValue(r, '--dport', '--destination-port');
    if (!owner || owner.svcPortName !== svcPortName || !port || seen.has(port)) continue;
    seen.add(port);
    const protocol = protocolOf(r);
    out.push({ kind: 'nodePort', port, ...(protocol ? { protocol } : {}), rule: r });
  }
  return out;
}
