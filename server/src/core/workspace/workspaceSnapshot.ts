import type { ManifestFile, ManifestObject } from '../manifests/types';
import { stringMapAt } from '../manifests/fieldSpan';
import { matchesServiceSelector } from '../labels/matchesSelector';
import type { Diagnostic } from '../diagnostics/types';
import { readPodTemplate, type PodTemplate } from './podTemplates';

/** What a snapshot asks its index for: diagnostics, computed (and cached) by the index's analyser. */
export interface SnapshotAnalyser {
  computeDiagnostics(snapshot: WorkspaceSnapshot): readonly Diagnostic[];
}

/** Objects (and pod templates) of one namespace. */
export interface NamespaceContent {
  readonly namespace: string;
  readonly objects: readonly ManifestObject[];
  readonly podTemplates: readonly PodTemplate[];
}

/**
 * An immutable view of the workspace at one moment: every parsed file, lookups by kind, namespace
 * and name, pod templates, and (lazily) the diagnostics. Get one from `WorkspaceIndex.snapshot()`.
 */
export class WorkspaceSnapshot {
  readonly files: ReadonlyMap<string, ManifestFile>;
  private readonly all: readonly ManifestObject[];
  private readonly byKind = new Map<string, ManifestObject[]>();
  private readonly byNamespace = new Map<string, ManifestObject[]>();
  private readonly byKey = new Map<string, ManifestObject>();
  private readonly templates: readonly PodTemplate[];
  private readonly templateOf = new Map<ManifestObject, PodTemplate>();
  private diagnosticsCache: readonly Diagnostic[] | undefined;
  private diagnosticsByUri: Map<string, Diagnostic[]> | undefined;

  constructor(files: ReadonlyMap<string, ManifestFile>, private readonly analyser?: SnapshotAnalyser) {
    this.files = new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const all: ManifestObject[] = [];
    const templates: PodTemplate[] = [];
    for (const file of this.files.values()) {
      for (const obj of file.objects) {
        all.push(obj);
        push(this.byKind, obj.kind, obj);
        if (obj.namespace !== undefined) push(this.byNamespace, obj.namespace, obj);
        const key = objectKey(obj.kind, obj.namespace, obj.name);
        if (!this.byKey.has(key)) this.byKey.set(key, obj);
        const t = podTemplateOnce(obj);
        if (t) {
          templates.push(t);
          this.templateOf.set(obj, t);
        }
      }
    }
    this.all = all;
    this.templates = templates;
  }

  file(uri: string): ManifestFile | undefined {
    return this.files.get(uri);
  }

  /** Every object, files in uri order, objects in source order. */
  objects(): readonly ManifestObject[] {
    return this.all;
  }

  /** Objects of a kind, optionally only those in one namespace. */
  objectsOfKind(kind: string, namespace?: string): readonly ManifestObject[] {
    const list = this.byKind.get(kind) ?? [];
    return namespace === undefined ? list : list.filter((o) => o.namespace === namespace);
  }

  /** The first object with this kind, namespace (undefined for cluster-scoped kinds) and name. */
  find(kind: string, namespace: string | undefined, name: string): ManifestObject | undefined {
    return this.byKey.get(objectKey(kind, namespace, name));
  }

  /** Every namespace that has at least one namespaced object, sorted. */
  namespaceNames(): readonly string[] {
    return [...this.byNamespace.keys()].sort();
  }

  /** The objects of one namespace (`default` holds those without metadata.namespace). */
  objectsInNamespace(namespace: string): readonly ManifestObject[] {
    return this.byNamespace.get(namespace) ?? [];
  }

  namespaceContent(namespace: string): NamespaceContent {
    return { namespace, objects: this.objectsInNamespace(namespace), podTemplates: this.podTemplates(namespace) };
  }

  services(namespace?: string): readonly ManifestObject[] {
    return this.objectsOfKind('Service', namespace);
  }
  endpoints(namespace?: string): readonly ManifestObject[] {
    return this.objectsOfKind('Endpoints', namespace);
  }
  endpointSlices(namespace?: string): readonly ManifestObject[] {
    return this.objectsOfKind('EndpointSlice', namespace);
  }
  /** EndpointSlices labelled `kubernetes.io/service-name: <service>` in the Service's namespace. */
  endpointSlicesForService(service: ManifestObject): readonly ManifestObject[] {
    return this.endpointSlices(service.namespace).filter((s) => stringMapAt(s.value, ['metadata', 'labels'])?.['kubernetes.io/service-name'] === service.name);
  }
  ingresses(namespace?: string): readonly ManifestObject[] {
    return this.objectsOfKind('Ingress', namespace);
  }
  ingressClasses(): readonly ManifestObject[] {
    return this.objectsOfKind('IngressClass');
  }
  networkPolicies(namespace?: string): readonly ManifestObject[] {
    return this.objectsOfKind('NetworkPolicy', namespace);
  }
  namespaces(): readonly ManifestObject[] {
    return this.objectsOfKind('Namespace');
  }
  nodes(): readonly ManifestObject[] {
    return this.objectsOfKind('Node');
  }
  kubeProxyConfigurations(): readonly ManifestObject[] {
    return this.objectsOfKind('KubeProxyConfiguration');
  }

  /** Pod templates (workloads and Pods), optionally only one namespace's. */
  podTemplates(namespace?: string): readonly PodTemplate[] {
    return namespace === undefined ? this.templates : this.templates.filter((t) => t.namespace === namespace);
  }

  /** The pod template an object carries (a Pod, a Deployment, a CronJob, an Argo Rollout, ...). */
  podTemplateOf(obj: ManifestObject): PodTemplate | undefined {
    return this.templateOf.get(obj);
  }

  /** The pod templates in a Service's namespace whose labels satisfy its `spec.selector`. */
  podTemplatesForService(service: ManifestObject): readonly PodTemplate[] {
    if (service.namespace === undefined) return [];
    const selector = stringMapAt(service.value, ['spec', 'selector']);
    return this.podTemplates(service.namespace).filter((t) => matchesServiceSelector(selector, t.labels));
  }

  /** Every diagnostic, sorted by uri and position (computed once per snapshot). */
  diagnostics(): readonly Diagnostic[] {
    this.diagnosticsCache ??= this.analyser ? this.analyser.computeDiagnostics(this) : [];
    return this.diagnosticsCache;
  }

  /** The diagnostics to show in one file (they may point at other files through `related`). */
  diagnosticsFor(uri: string): readonly Diagnostic[] {
    if (!this.diagnosticsByUri) {
      const m = new Map<string, Diagnostic[]>();
      for (const d of this.diagnostics()) push(m, d.uri, d);
      this.diagnosticsByUri = m;
    }
    return this.diagnosticsByUri.get(uri) ?? [];
  }
}

/** Objects are immutable and reused across snapshots while their file is unchanged: read each template once. */
const templates = new WeakMap<ManifestObject, PodTemplate | null>();

function podTemplateOnce(obj: ManifestObject): PodTemplate | undefined {
  let t = templates.get(obj);
  if (t === undefined) {
    t = readPodTemplate(obj) ?? null;
    templates.set(obj, t);
  }
  return t ?? undefined;
}

function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}\u0000${namespace ?? ''}\u0000${name}`;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
