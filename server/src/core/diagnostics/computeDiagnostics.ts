import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ManifestFile, ManifestObject } from '../manifests/types';
import type { NamespaceContent, SnapshotAnalyser, WorkspaceSnapshot } from '../workspace/workspaceSnapshot';
import type { PodTemplate } from '../workspace/podTemplates';
import { checkIngresses, explainServiceInOtherNamespace, type MissingBackendService } from './checkIngresses';
import { checkNetworkPolicies } from './checkNetworkPolicies';
import { checkNodePortClashes, checkServicePorts, type NodePortUse } from './checkServicePorts';
import { checkServices, explainOtherNamespaceMatch, type UnmatchedService } from './checkServices';
import { checkWorkloadSelectors } from './checkWorkloads';
import { formatMessage, SKIPPED_NOTE_CODE } from './rules';
import { compareDiagnostics, type Diagnostic } from './types';

/** Everything one namespace decides alone, plus what the cluster-wide pass needs from it. */
export interface NamespaceAnalysis {
  readonly diagnostics: readonly Diagnostic[];
  readonly unmatchedServices: readonly UnmatchedService[];
  readonly missingBackendServices: readonly MissingBackendService[];
  readonly nodePorts: readonly NodePortUse[];
}

/** The checks that only look inside one namespace. Pure: same content, same result. */
export function analyseNamespace(content: NamespaceContent): NamespaceAnalysis {
  const services = checkServices(content);
  const ports = checkServicePorts(content.objects.filter((o) => o.kind === 'Service'));
  const ingresses = checkIngresses(content.objects);
  return {
    diagnostics: [
      ...services.diagnostics,
      ...ports.diagnostics,
      ...ingresses.diagnostics,
      ...checkNetworkPolicies(content),
      ...checkWorkloadSelectors(content.podTemplates),
    ],
    unmatchedServices: services.unmatched,
    missingBackendServices: ingresses.missingServices,
    nodePorts: ports.nodePorts,
  };
}

/** yaml-syntax errors and the one note of a skipped file. */
export function fileDiagnostics(file: ManifestFile): Diagnostic[] {
  const out: Diagnostic[] = file.errors.map((e) => ({
    uri: file.uri,
    span: e.span,
    severity: 'error' as const,
    code: 'yaml-syntax',
    message: formatMessage('yaml-syntax', { detail: e.message }),
    related: [],
  }));
  if (file.note) out.push({ uri: file.uri, span: file.note.span, severity: 'information', code: SKIPPED_NOTE_CODE, message: file.note.message, related: [] });
  return out;
}

/**
 * A fingerprint of a namespace's content: the sorted sha256 of each object's file, position and
 * exact source text. Equal fingerprints give equal diagnostics (spans included).
 */
export function fingerprintNamespace(content: NamespaceContent): string {
  return `${content.namespace}\u0001${content.objects.map(hashObject).sort().join(',')}`;
}

/** Objects are immutable and survive in unchanged files from snapshot to snapshot: hash each once. */
const objectHashes = new WeakMap<ManifestObject, string>();

function hashObject(o: ManifestObject): string {
  let h = objectHashes.get(o);
  if (h === undefined) {
    h = bytesToHex(sha256(utf8ToBytes(`${o.uri}\u0000${o.index}\u0000${o.span.start}\u0000${o.source}`)));
    objectHashes.set(o, h);
  }
  return h;
}

/** The cluster-wide pass: nodePort clashes, unmatched selectors that match in another namespace, Ingress backends whose Service lives in another namespace. */
function analyseCluster(snapshot: WorkspaceSnapshot, analyses: readonly NamespaceAnalysis[]): { replace: Map<Diagnostic, Diagnostic>; added: Diagnostic[] } {
  const replace = new Map<Diagnostic, Diagnostic>();
  let byLabel: Map<string, PodTemplate[]> | undefined;
  for (const a of analyses) {
    for (const u of a.unmatchedServices) {
      if (!byLabel) byLabel = indexTemplatesByLabel(snapshot.podTemplates());
      // Only templates carrying the selector's first pair can match it.
      const [k, v] = Object.entries(u.selector)[0] ?? ['', ''];
      const original = a.diagnostics[u.diagnosticIndex];
      const explained = explainOtherNamespaceMatch(u, original, byLabel.get(`${k}=${v}`) ?? []);
      if (explained !== original) replace.set(original, explained);
    }
    for (const m of a.missingBackendServices) {
      const explained = explainServiceInOtherNamespace(m, snapshot.objectsOfKind('Service').filter((s) => s.name === m.serviceName));
      if (explained !== m.diagnostic) replace.set(m.diagnostic, explained);
    }
  }
  return { replace, added: checkNodePortClashes(analyses.flatMap((a) => a.nodePorts)) };
}

function indexTemplatesByLabel(templates: readonly PodTemplate[]): Map<string, PodTemplate[]> {
  const m = new Map<string, PodTemplate[]>();
  for (const t of templates) {
    for (const [k, v] of Object.entries(t.labels)) {
      const key = `${k}=${v}`;
      const list = m.get(key);
      if (list) list.push(t);
      else m.set(key, [t]);
    }
  }
  return m;
}

/** Objects the parser only recovered from a syntax error get the yaml-syntax error and nothing else: no storm. */
function dropInsideBrokenDocuments(diagnostics: Diagnostic[], snapshot: WorkspaceSnapshot): Diagnostic[] {
  const broken = snapshot.objects().filter((o) => o.inBrokenDocument);
  if (broken.length === 0) return diagnostics;
  return diagnostics.filter((d) => d.code === 'yaml-syntax' || !broken.some((o) => o.uri === d.uri && o.span.start <= d.span.start && d.span.end <= o.span.end));
}

/**
 * Computes a snapshot's diagnostics, caching each namespace's analysis under its content hash: an
 * edit re-runs only the namespaces whose objects changed. One engine serves many snapshots.
 */
export class DiagnosticsEngine implements SnapshotAnalyser {
  private readonly cache = new Map<string, { hash: string; analysis: NamespaceAnalysis }>();
  private analyses = 0;

  /** How many namespace analyses actually ran (cache misses). */
  get namespaceAnalyses(): number {
    return this.analyses;
  }

  computeDiagnostics(snapshot: WorkspaceSnapshot): readonly Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const file of snapshot.files.values()) out.push(...fileDiagnostics(file));
    const analyses: NamespaceAnalysis[] = [];
    const live = new Set<string>();
    for (const ns of snapshot.namespaceNames()) {
      live.add(ns);
      const content = snapshot.namespaceContent(ns);
      const hash = fingerprintNamespace(content);
      let entry = this.cache.get(ns);
      if (!entry || entry.hash !== hash) {
        this.analyses++;
        entry = { hash, analysis: analyseNamespace(content) };
        this.cache.set(ns, entry);
      }
      analyses.push(entry.analysis);
    }
    for (const ns of [...this.cache.keys()]) if (!live.has(ns)) this.cache.delete(ns);
    const cluster = analyseCluster(snapshot, analyses);
    for (const a of analyses) for (const d of a.diagnostics) out.push(cluster.replace.get(d) ?? d);
    out.push(...cluster.added);
    return dropInsideBrokenDocuments(out, snapshot).sort(compareDiagnostics);
  }
}

/** Diagnostics of a snapshot without a cache (for one-shot callers such as the CLI and tests). */
export function computeDiagnostics(snapshot: WorkspaceSnapshot): readonly Diagnostic[] {
  return new DiagnosticsEngine().computeDiagnostics(snapshot);
}
