import { valueAt } from '../manifests/fieldSpan';
import { isJsonObject } from '../manifests/parseManifests';
import type { FieldPath, JsonValue, ManifestObject } from '../manifests/types';
import {
  closestTypo, describe, formatScalarText, formatServicePorts, makeDiagnostic, readServicePorts, relatedAt, replaceValueFix,
  serviceType, spanAt, wasQuoted,
} from './helpers';
import type { Diagnostic, Fix } from './types';

/** The Ingress API version checked; older ones (extensions/v1beta1, networking.k8s.io/v1beta1) have another backend shape. */
export const INGRESS_API_VERSION = 'networking.k8s.io/v1';
/** The AWS Load Balancer Controller's pseudo backend: actions come from an annotation. */
const ALB_USE_ANNOTATION = 'use-annotation';

interface Backend {
  readonly path: FieldPath;
  readonly route: string;
}

function listBackends(ingress: ManifestObject): Backend[] {
  const out: Backend[] = [];
  if (isJsonObject(valueAt(ingress.value, ['spec', 'defaultBackend']))) out.push({ path: ['spec', 'defaultBackend'], route: 'the default backend' });
  const rules = valueAt(ingress.value, ['spec', 'rules']);
  if (!Array.isArray(rules)) return out;
  rules.forEach((rule: JsonValue, r: number) => {
    if (!isJsonObject(rule)) return;
    const host = typeof rule.host === 'string' && rule.host !== '' ? `host ${rule.host} ` : '';
    const paths = valueAt(rule, ['http', 'paths']);
    if (!Array.isArray(paths)) return;
    paths.forEach((p: JsonValue, i: number) => {
      if (!isJsonObject(p)) return;
      const pathText = typeof p.path === 'string' ? p.path : '/';
      out.push({ path: ['spec', 'rules', r, 'http', 'paths', i, 'backend'], route: `${host}path ${pathText}` });
    });
  });
  return out;
}

/** A backend whose Service is missing, for the cluster-wide pass to look for it in other namespaces. */
export interface MissingBackendService {
  readonly ingress: ManifestObject;
  readonly serviceName: string;
  readonly route: string;
  readonly diagnostic: Diagnostic;
}

export interface IngressCheckResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly missingServices: readonly MissingBackendService[];
}

/** ingress-backend-service-not-found and ingress-backend-port-not-found for the Ingresses of one namespace. */
export function checkIngresses(objects: readonly ManifestObject[]): IngressCheckResult {
  const out: Diagnostic[] = [];
  const missingServices: MissingBackendService[] = [];
  const services = new Map<string, ManifestObject>();
  for (const o of objects) if (o.kind === 'Service' && !services.has(o.name)) services.set(o.name, o);
  for (const ingress of objects) {
    if (ingress.kind !== 'Ingress' || ingress.apiVersion !== INGRESS_API_VERSION) continue;
    for (const backend of listBackends(ingress)) {
      const b = valueAt(ingress.value, backend.path);
      if (!isJsonObject(b) || b.resource !== undefined || !isJsonObject(b.service)) continue;
      const name = b.service.name;
      const port = isJsonObject(b.service.port) ? b.service.port : undefined;
      if (typeof name !== 'string' || name === '') continue;
      if (port && port.name === ALB_USE_ANNOTATION) continue;
      const params = { ingress: ingress.name, route: backend.route, service: name, namespace: ingress.namespace ?? 'default' };
      const namePath = [...backend.path, 'service', 'name'];
      const service = services.get(name);
      if (!service) {
        const suggestion = closestTypo(name, [...services.keys()]);
        const fixes: Fix[] = [];
        if (suggestion !== undefined) {
          const fix = replaceValueFix(ingress, namePath, formatScalarText(suggestion, ingress.uri, wasQuoted(ingress, namePath)), `Change the backend Service to "${suggestion}"`);
          if (fix) fixes.push(fix);
        }
        const known = [...services.keys()].sort();
        const detail = suggestion !== undefined
          ? ` Did you mean "${suggestion}"?`
          : known.length > 0 ? ` Services in this namespace: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', ...' : ''}. An Ingress can only route to Services in its own namespace.` : ' Create the Service, or fix the name (an Ingress can only route to Services in its own namespace).';
        const diagnostic = makeDiagnostic('ingress-backend-service-not-found', ingress, spanAt(ingress, namePath), { ...params, detail }, {
          fixes,
          related: suggestion !== undefined ? [relatedAt(services.get(suggestion) as ManifestObject, ['metadata', 'name'], `Service "${suggestion}"`)] : [],
        });
        out.push(diagnostic);
        if (suggestion === undefined) missingServices.push({ ingress, serviceName: name, route: backend.route, diagnostic });
        continue;
      }
      if (!port || serviceType(service) === 'ExternalName') continue;
      const ports = readServicePorts(service);
      const related = [relatedAt(service, ['spec', 'ports'], `ports of ${describe(service)}: ${formatServicePorts(ports)}`)];
      if (typeof port.name === 'string' && port.name !== '') {
        if (ports.some((p) => p.name === port.name)) continue;
        const portPath = [...backend.path, 'service', 'port', 'name'];
        const suggestion = closestTypo(port.name, ports.flatMap((p) => (p.name ? [p.name] : [])));
        const fix = suggestion !== undefined ? replaceValueFix(ingress, portPath, formatScalarText(suggestion, ingress.uri, wasQuoted(ingress, portPath)), `Change the backend port to "${suggestion}"`) : undefined;
        out.push(makeDiagnostic('ingress-backend-port-not-found', ingress, spanAt(ingress, portPath), {
          ...params,
          port: `"${port.name}"`,
          detail: ` Its ports are: ${formatServicePorts(ports)}.${suggestion !== undefined ? ` Did you mean "${suggestion}"?` : ' Use one of their names, or port.number.'}`,
        }, { related, fixes: fix ? [fix] : [] }));
      } else if (typeof port.number === 'number') {
        if (ports.some((p) => p.port === port.number)) continue;
        const portPath = [...backend.path, 'service', 'port', 'number'];
        const only = ports.length === 1 ? ports[0].port : undefined;
        const fix = only !== undefined ? replaceValueFix(ingress, portPath, String(only), `Change the backend port to ${only}`) : undefined;
        const targetHint = ports.some((p) => p.targetPort === port.number) ? ` (${port.number} is a targetPort; an Ingress backend names the Service's port, not the container's)` : '';
        out.push(makeDiagnostic('ingress-backend-port-not-found', ingress, spanAt(ingress, portPath), {
          ...params,
          port: String(port.number),
          detail: ` Its ports are: ${formatServicePorts(ports)}${targetHint}. Use one of them.`,
        }, { related, fixes: fix ? [fix] : [] }));
      }
    }
  }
  return { diagnostics: out, missingServices };
}

/**
 * The cluster-wide part of ingress-backend-service-not-found: when the Service exists in another
 * namespace, say so (an Ingress only routes to Services of its own namespace).
 */
export function explainServiceInOtherNamespace(missing: MissingBackendService, servicesNamed: readonly ManifestObject[]): Diagnostic {
  const other = servicesNamed.find((s) => s.namespace !== missing.ingress.namespace);
  if (!other) return missing.diagnostic;
  const ns = missing.ingress.namespace ?? 'default';
  return makeDiagnostic('ingress-backend-service-not-found', missing.ingress, missing.diagnostic.span, {
    ingress: missing.ingress.name,
    route: missing.route,
    service: missing.serviceName,
    namespace: ns,
    detail: ` It exists in namespace "${other.namespace}", but an Ingress only routes to Services in its own namespace: move the Ingress (or a copy of it) to "${other.namespace}", or the Service to "${ns}" (an ExternalName Service here can also point at it).`,
  }, { related: [relatedAt(other, ['metadata', 'namespace'], `${describe(other, true)}`)] });
}
