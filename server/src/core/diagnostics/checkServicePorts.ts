import { valueAt } from '../manifests/fieldSpan';
import type { ManifestObject } from '../manifests/types';
import type { Span } from '../text/span';
import { describe, makeDiagnostic, readServicePorts, relatedAt, serviceType, spanAt } from './helpers';
import type { Diagnostic } from './types';

export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

/** A nodePort a Service asks for, for the cluster-wide clash check. */
export interface NodePortUse {
  readonly service: ManifestObject;
  readonly portIndex: number;
  readonly nodePort: number;
  readonly span: Span;
}

export interface ServicePortCheckResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly nodePorts: readonly NodePortUse[];
}

/**
 * service-port-invalid, the parts one Service decides alone: unnamed ports among several,
 * duplicate names, nodePort outside 30000-32767, externalTrafficPolicy on a ClusterIP Service.
 */
export function checkServicePorts(services: readonly ManifestObject[]): ServicePortCheckResult {
  const diagnostics: Diagnostic[] = [];
  const nodePorts: NodePortUse[] = [];
  for (const service of services) {
    const ports = readServicePorts(service);
    const type = serviceType(service);
    const params = { service: service.name };
    if (ports.length > 1) {
      for (const p of ports) {
        if (p.name !== undefined) continue;
        diagnostics.push(makeDiagnostic('service-port-invalid', service, spanAt(service, ['spec', 'ports', p.index]), {
          ...params,
          detail: `port ${p.port ?? `#${p.index}`} has no name, but a Service with more than one port must name every port (the API server rejects it). Add spec.ports[${p.index}].name.`,
        }));
      }
    }
    const firstByName = new Map<string, number>();
    for (const p of ports) {
      if (p.name === undefined) continue;
      const first = firstByName.get(p.name);
      if (first === undefined) {
        firstByName.set(p.name, p.index);
        continue;
      }
      diagnostics.push(makeDiagnostic('service-port-invalid', service, spanAt(service, ['spec', 'ports', p.index, 'name']), {
        ...params,
        detail: `port name "${p.name}" is used by spec.ports[${first}] and spec.ports[${p.index}]; port names must be unique. Rename one.`,
      }, { related: [relatedAt(service, ['spec', 'ports', first, 'name'], `first port named "${p.name}"`)] }));
    }
    for (const p of ports) {
      if (p.nodePort === undefined) continue;
      const span = spanAt(service, ['spec', 'ports', p.index, 'nodePort']);
      if (p.nodePort < NODE_PORT_MIN || p.nodePort > NODE_PORT_MAX) {
        diagnostics.push(makeDiagnostic('service-port-invalid', service, span, {
          ...params,
          detail: `nodePort ${p.nodePort} is outside the default NodePort range ${NODE_PORT_MIN}-${NODE_PORT_MAX} (kube-apiserver --service-node-port-range). Pick a port in the range, or remove nodePort to get one allocated.`,
        }));
      } else {
        nodePorts.push({ service, portIndex: p.index, nodePort: p.nodePort, span });
      }
    }
    const etp = valueAt(service.value, ['spec', 'externalTrafficPolicy']);
    if (etp !== undefined && etp !== null && etp !== '' && type !== 'NodePort' && type !== 'LoadBalancer') {
      diagnostics.push(makeDiagnostic('service-port-invalid', service, spanAt(service, ['spec', 'externalTrafficPolicy']), {
        ...params,
        detail: `externalTrafficPolicy: ${String(etp)} is only allowed on NodePort and LoadBalancer Services, and this one is type ${type} (the API server rejects it). Remove it, or change spec.type.`,
      }));
    }
  }
  return { diagnostics, nodePorts };
}

/** service-port-invalid across the cluster: the same nodePort asked for by two Services. */
export function checkNodePortClashes(uses: readonly NodePortUse[]): Diagnostic[] {
  const byPort = new Map<number, NodePortUse[]>();
  for (const u of uses) {
    const list = byPort.get(u.nodePort);
    if (list) list.push(u);
    else byPort.set(u.nodePort, [u]);
  }
  const out: Diagnostic[] = [];
  for (const [nodePort, list] of byPort) {
    const services = new Set(list.map((u) => u.service));
    if (services.size < 2) continue;
    for (const u of list) {
      const others = list.filter((o) => o.service !== u.service);
      out.push(makeDiagnostic('service-port-invalid', u.service, u.span, {
        service: u.service.name,
        detail: `nodePort ${nodePort} is also used by ${others.map((o) => describe(o.service, true)).join(', ')}; a nodePort is opened on every node and belongs to one Service only. Pick another port, or remove nodePort to get one allocated.`,
      }, { related: others.map((o) => ({ uri: o.service.uri, span: o.span, message: `nodePort ${nodePort} of ${describe(o.service, true)}` })) }));
    }
  }
  return out;
}
