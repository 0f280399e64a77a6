import { fieldNode, valueAt } from '../manifests/fieldSpan';
import type { FieldPath, JsonValue, ManifestObject } from '../manifests/types';
import type { Span } from '../text/span';

/** One `service` backend of an Ingress: its defaultBackend or a rule's path. */
export interface IngressBackend {
  /** Path of the backend mapping (the one holding `service`, or `serviceName` for v1beta1). */
  readonly path: FieldPath;
  readonly serviceName: string;
  /** By name or number; undefined when not written. */
  readonly port: { readonly name: string } | { readonly number: number } | undefined;
  /** `host/path` as a person reads it, or `default backend`. */
  readonly route: string;
  /** Where the Service's name is written. */
  readonly nameSpan: Span | undefined;
  /** Where the port is written. */
  readonly portSpan: Span | undefined;
  /** The whole backend. */
  readonly span: Span | undefined;
}

/**
 * Every Service backend of an Ingress (networking.k8s.io/v1 `service: {name, port}`, and the older
 * `serviceName`/`servicePort` spelling). Resource backends are not Services and are left out.
 */
export function readIngressBackends(ingress: ManifestObject): IngressBackend[] {
  if (ingress.kind !== 'Ingress') return [];
  const out: IngressBackend[] = [];
  const add = (path: FieldPath, route: string): void => {
    const b = readBackend(ingress, path, route);
    if (b) out.push(b);
  };
  add(['spec', 'defaultBackend'], 'default backend');
  add(['spec', 'backend'], 'default backend');
  const rules = valueAt(ingress.value, ['spec', 'rules']);
  if (Array.isArray(rules)) {
    rules.forEach((rule: JsonValue, ri: number) => {
      const host = valueAt(rule, ['host']);
      const paths = valueAt(rule, ['http', 'paths']);
      if (!Array.isArray(paths)) return;
      paths.forEach((p: JsonValue, pi: number) => {
        const pathText = valueAt(p, ['path']);
        const route = `${typeof host === 'string' ? host : '*'}${typeof pathText === 'string' ? pathText : '/'}`;
        add(['spec', 'rules', ri, 'http', 'paths', pi, 'backend'], route);
      });
    });
  }
  return out;
}

function readBackend(ingress: ManifestObject, path: FieldPath, route: string): IngressBackend | undefined {
  const v = ingress.value;
  const span = fieldNode(ingress, path)?.valueSpan;
  const name = valueAt(v, [...path, 'service', 'name']);
  if (typeof name === 'string') {
    const portName = valueAt(v, [...path, 'service', 'port', 'name']);
    const portNumber = valueAt(v, [...path, 'service', 'port', 'number']);
    const port = typeof portName === 'string' ? { name: portName } : typeof portNumber === 'number' ? { number: portNumber } : undefined;
    const portKey = typeof portName === 'string' ? 'name' : 'number';
    return {
      path, serviceName: name, port, route, span,
      nameSpan: fieldNode(ingress, [...path, 'service', 'name'])?.valueSpan,
      portSpan: port ? fieldNode(ingress, [...path, 'service', 'port', portKey])?.valueSpan : undefined,
    };
  }
  const legacyName = valueAt(v, [...path, 'serviceName']);
  if (typeof legacyName === 'string') {
    const sp = valueAt(v, [...path, 'servicePort']);
    const port = typeof sp === 'string' ? { name: sp } : typeof sp === 'number' ? { number: sp } : undefined;
    return {
      path, serviceName: legacyName, port, route, span,
      nameSpan: fieldNode(ingress, [...path, 'serviceName'])?.valueSpan,
      portSpan: fieldNode(ingress, [...path, 'servicePort'])?.valueSpan,
    };
  }
  return undefined;
}

/** Index of the Service port a backend port refers to (by `name` or by `port` number), or -1. */
export function findServicePortIndex(service: ManifestObject, port: IngressBackend['port']): number {
  const ports = valueAt(service.value, ['spec', 'ports']);
  if (!Array.isArray(ports) || !port) return -1;
  return ports.findIndex((p: JsonValue) => ('name' in port ? valueAt(p, ['name']) === port.name : valueAt(p, ['port']) === port.number));
}
