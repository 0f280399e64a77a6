/**
 * Which values of a workspace Service port were made up by `synthesizeCluster` rather than written
 * in the manifests (`cluster.assumptions`). Drift must not compare them with a real node, and
 * every feature that shows them labels them "assumed". Pure.
 */
import type { Assumption } from '../cluster/synthesizeCluster';
import type { GeneratedServicePort } from '../kubeproxy/types';

export interface AssumedServicePortValues {
  readonly clusterIP: boolean;
  readonly nodePort: boolean;
  readonly healthCheckNodePort: boolean;
  /** The load-balancer IPs of the port that were allocated (the manifest has no status.loadBalancer). */
  readonly loadBalancerIPs: ReadonlySet<string>;
  /**
   * The endpoint addresses are synthesized: no EndpointSlice in the workspace (the pods the
   * selector matches were made up) or an endpoint's IP is an assumed pod IP. Only the count and
   * the target port come from the manifests.
   */
  readonly endpoints: boolean;
}

export type AssumedValuesOf = (sp: GeneratedServicePort) => AssumedServicePortValues;

const NONE: AssumedServicePortValues = { clusterIP: false, nodePort: false, healthCheckNodePort: false, loadBalancerIPs: new Set(), endpoints: false };

/** Indexes `cluster.assumptions` for look-ups by Service port. No assumptions: nothing is assumed. */
export function indexAssumptions(assumptions: readonly Assumption[] | undefined): AssumedValuesOf {
  if (!assumptions || assumptions.length === 0) return () => NONE;
  const byOwner = new Map<string, Map<string, Set<string>>>();
  const podIPs = new Set<string>();
  for (const a of assumptions) {
    if (a.what === 'podIP') podIPs.add(a.value);
    let whats = byOwner.get(a.owner);
    if (!whats) byOwner.set(a.owner, (whats = new Map()));
    let values = whats.get(a.what);
    if (!values) whats.set(a.what, (values = new Set()));
    values.add(a.value);
  }
  return (sp) => {
    const whats = byOwner.get(`${sp.namespace}/${sp.name}`);
    const has = (what: string, value: string): boolean => whats?.get(what)?.has(value) ?? false;
    return {
      clusterIP: sp.clusterIP !== '' && has('clusterIP', sp.clusterIP),
      nodePort: sp.nodePort > 0 && has('nodePort', String(sp.nodePort)),
      healthCheckNodePort: sp.healthCheckNodePort > 0 && has('healthCheckNodePort', String(sp.healthCheckNodePort)),
      loadBalancerIPs: new Set(sp.loadBalancerIPs.filter((ip) => has('loadBalancerIP', ip))),
      endpoints: (whats?.has('endpoints') ?? false) || sp.endpoints.some((e) => podIPs.has(e.ip)),
    };
  };
}

/** `" (assumed)"` when `assumed`, else nothing: the label every feature appends to a made-up value. */
export function assumedLabel(assumed: boolean): string {
  return assumed ? ' (assumed)' : '';
}
