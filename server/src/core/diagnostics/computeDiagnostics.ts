import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ManifestFile } from '../manifests/types';
import type { NamespaceContent, SnapshotAnalyser, WorkspaceSnapshot } from '../workspace/workspaceSnapshot';
import { checkIngresses } from './checkIngresses';
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
  readonly nodePorts: readonly NodePortUse[];
}

/** The checks that only look inside one namespace. Pure: same content, same result. */
export function analyseNamespace(content: NamespaceContent): NamespaceAnalysis {
  const services = checkServices(content);
  const ports = checkServicePorts(content.objects.filter((o) => o.kind === 'Service'));
  return {
    diagnostics: [
      ...services.diagnostics,
      ...ports.diagnostics,
      ...checkIngresses(content.objects),
      ...checkNetworkPolicies(content),
      ...checkWorkloadSelectors(content.podTemplates),
    ],
    unmatchedServices: services.unmatched,
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
 * A fingerprint of a namespace's content: each object's file, position and exact source text.
 * Equal fingerprints give equal diagnostics (spans included).
 */
export function hashNamespace(content: NamespaceContent): string {
  const parts = content.objects
    .map((o) => `${o.uri}\u0000${o.index}\u0000${o.span.start}\u0000${o.source}`)
    .sort();
  return bytesToHex(sha256(utf8ToBytes(`${content.namespace}\u0001${parts.join('\u0001')}`)));
}

/** The cluster-wide pass: nodePort clashes, and unmatched selectors that match in another namespace. */
function analyseCluster(snapshot: WorkspaceSnapshot, analyses: readonly NamespaceAnalysis[]): { replace: Map<Diagnostic, Diagnostic>; added: Diagnostic[] } {
  const replace = new Map<Diagnostic, Diagnostic>();
  const templates = snapshot.podTemplates();
  for (const a of analyses) {
    for (const u of a.unmatchedServices) {
      const original = a.diagnostics[u.diagnosticIndex];
      const explained = explainOtherNamespaceMatch(u, original, templates);
      if (explained !== original) replace.set(original, explained);
    }
  }
  return { replace, added: checkNodePortClashes(analyses.flatMap((a) => a.nodePorts)) };
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
      const hash = hashNamespace(content);
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
