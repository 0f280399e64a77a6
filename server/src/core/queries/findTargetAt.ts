import { stringMapAt } from '../manifests/fieldSpan';
import type { FieldPath, ManifestObject } from '../manifests/types';
import type { Span } from '../text/span';
import { matchesServiceSelector } from '../labels/matchesSelector';
import type { PodTemplate } from '../workspace/podTemplates';
import type { WorkspaceSnapshot } from '../workspace/workspaceSnapshot';
import { readIngressBackends, type IngressBackend } from './ingressBackends';
import { locateField, startsWithPath, type FieldLocus } from './locateField';

/** What sits under the caret, in the terms the editor features care about, with `span`: the field under the caret (key to end of value). */
export type Target = TargetKind & { readonly span: Span };

type TargetKind =
  /** Inside a Service's `spec.selector` (on one label when `labelKey` is set). */
  | { readonly kind: 'service-selector'; readonly service: ManifestObject; readonly labelKey?: string }
  /** Inside the labels a pod template gives its pods (a Pod's own labels, or `spec.template.metadata.labels`). */
  | { readonly kind: 'pod-labels'; readonly template: PodTemplate; readonly labelKey?: string }
  /** Inside an Ingress backend; `onPort` when on the port. */
  | { readonly kind: 'ingress-backend'; readonly ingress: ManifestObject; readonly backend: IngressBackend; readonly onPort: boolean }
  /** On a Service's `metadata.name`. */
  | { readonly kind: 'service-name'; readonly service: ManifestObject };

/** The target at `offset` in the file `uri` of the snapshot, if any. */
export function findTargetAt(snapshot: WorkspaceSnapshot, uri: string, offset: number): Target | undefined {
  const file = snapshot.file(uri);
  if (!file) return undefined;
  const locus = locateField(file, offset);
  if (!locus) return undefined;
  const kind = findTargetKind(snapshot, locus);
  if (!kind) return undefined;
  const start = locus.node.keySpan?.start ?? locus.node.valueSpan.start;
  return { ...kind, span: { start, end: Math.max(start, locus.node.valueSpan.end) } };
}

function findTargetKind(snapshot: WorkspaceSnapshot, locus: FieldLocus): TargetKind | undefined {
  const { object, path } = locus;
  const labelKeyAfter = (prefix: FieldPath): string | undefined => {
    const step = path[prefix.length];
    return path.length > prefix.length && typeof step === 'string' ? step : undefined;
  };

  if (object.kind === 'Service') {
    if (startsWithPath(path, ['spec', 'selector'])) {
      const labelKey = labelKeyAfter(['spec', 'selector']);
      return labelKey === undefined ? { kind: 'service-selector', service: object } : { kind: 'service-selector', service: object, labelKey };
    }
    if (path.length === 2 && path[0] === 'metadata' && path[1] === 'name') return { kind: 'service-name', service: object };
    return undefined;
  }
  if (object.kind === 'Ingress') {
    for (const backend of readIngressBackends(object)) {
      if (startsWithPath(path, backend.path)) {
        const rest = path.slice(backend.path.length);
        const onPort = rest.includes('port') || rest.includes('servicePort');
        return { kind: 'ingress-backend', ingress: object, backend, onPort };
      }
    }
    return undefined;
  }
  const template = snapshot.podTemplateOf(object);
  if (template && path.length >= template.labelsPath.length - 1 && startsWithPath(path, template.labelsPath.slice(0, -1))) {
    // On `labels:` itself, or inside the labels mapping.
    const onLabels = path.length >= template.labelsPath.length ? startsWithPath(path, template.labelsPath) : false;
    if (onLabels) {
      const labelKey = labelKeyAfter(template.labelsPath);
      return labelKey === undefined ? { kind: 'pod-labels', template } : { kind: 'pod-labels', template, labelKey };
    }
  }
  return undefined;
}

/** The pod templates a Service selects (its namespace, every selector label). */
export function findSelectedTemplates(snapshot: WorkspaceSnapshot, service: ManifestObject): readonly PodTemplate[] {
  return snapshot.podTemplatesForService(service);
}

/** The Services in a pod template's namespace whose selector its labels satisfy. */
export function findSelectingServices(snapshot: WorkspaceSnapshot, template: PodTemplate): readonly ManifestObject[] {
  return snapshot.services(template.namespace).filter((s) => matchesServiceSelector(stringMapAt(s.value, ['spec', 'selector']), template.labels));
}

/** The Service an Ingress backend names, in the Ingress's namespace. */
export function findBackendService(snapshot: WorkspaceSnapshot, ingress: ManifestObject, backend: IngressBackend): ManifestObject | undefined {
  return snapshot.find('Service', ingress.namespace, backend.serviceName);
}

/** Every Ingress backend (in the Service's namespace) that names the Service. */
export function findIngressBackendsFor(snapshot: WorkspaceSnapshot, service: ManifestObject): readonly { readonly ingress: ManifestObject; readonly backend: IngressBackend }[] {
  const out: { ingress: ManifestObject; backend: IngressBackend }[] = [];
  for (const ingress of snapshot.ingresses(service.namespace)) {
    for (const backend of readIngressBackends(ingress)) {
      if (backend.serviceName === service.name) out.push({ ingress, backend });
    }
  }
  return out;
}
