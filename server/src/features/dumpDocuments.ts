// Open iptables dumps and conntrack listings: which documents they are, their analysis (parsed once
// per document version and workspace snapshot, shared by every dump feature), the dump settings,
// and where a Service (port) of the workspace is written.
import type { ClientCapabilities, Connection, Location } from 'vscode-languageserver/node';
import { clusterOfSnapshot, nodeRulesOfSnapshot } from '../core/cluster/clusterOfSnapshot';
import type { Cluster } from '../core/cluster/synthesizeCluster';
import { parseConntrack } from '../core/conntrack/parseConntrack';
import type { ConntrackTable } from '../core/conntrack/model';
import { analyzeDump, type DumpAnalysis, type DumpWorkspace } from '../core/dump/analyzeDump';
import type { Ruleset } from '../core/iptables/model';
import { parseDump } from '../core/iptables/parseDump';
import { fieldNode } from '../core/manifests/fieldSpan';
import type { ManifestObject } from '../core/manifests/types';
import type { WorkspaceSnapshot } from '../core/workspace/workspaceSnapshot';
import type { FeatureContext, OpenDocument } from './featureContext';
import { objectNameSpan, spanLocation } from './locations';
import { currentSettings, fetchSettingsSection, nodeRulesOptions, settingsReader } from './settings';

// ---------------------------------------------------------------------------------------------
// Settings: kubePacketPath.conntrack.max, kubePacketPath.conntrack.tcpTimeoutEstablished, kubePacketPath.dump.node

export interface DumpSettings {
  /** nf_conntrack_max (default 131,072). */
  readonly conntrackMax: number;
  /** nf_conntrack_tcp_timeout_established in seconds (kube-proxy sets 86,400). */
  readonly tcpTimeoutEstablished: number;
  /** The node dumps come from when nothing in the dump tells. */
  readonly node?: string;
}

export const defaultDumpSettings: DumpSettings = { conntrackMax: 131072, tcpTimeoutEstablished: 86400 };
let dumpSettings: DumpSettings = defaultDumpSettings;

/** The dump settings from a `kubePacketPath` section (nested objects or dotted keys); bad values fall back to defaults. */
export function parseDumpSettings(raw: unknown): DumpSettings {
  const get = settingsReader(raw);
  const int = (v: unknown, min: number, max: number, dflt: number): number => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : dflt);
  const node = get('dump', 'node');
  return {
    conntrackMax: int(get('conntrack', 'max'), 1, 2 ** 31 - 1, defaultDumpSettings.conntrackMax),
    tcpTimeoutEstablished: int(get('conntrack', 'tcpTimeoutEstablished'), 1, 2 ** 31 - 1, defaultDumpSettings.tcpTimeoutEstablished),
    ...(typeof node === 'string' && node.trim() !== '' ? { node: node.trim() } : {}),
  };
}

export function currentDumpSettings(): DumpSettings {
  return dumpSettings;
}

export function applyDumpSettings(raw: unknown): boolean {
  const next = parseDumpSettings(raw);
  if (JSON.stringify(next) === JSON.stringify(dumpSettings)) return false;
  dumpSettings = next;
  return true;
}

/** Reads the `kubePacketPath` section for the dump settings (workspace/configuration, else what was pushed). Never throws. */
export async function readDumpSettings(connection: Connection, capabilities: ClientCapabilities, pushed?: unknown): Promise<boolean> {
  try {
    return applyDumpSettings(await fetchSettingsSection(connection, capabilities, pushed));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Which documents

const DUMP_NAME = /(?:\.iptables|\.rules|\.save|\.restore)$|(?:^|\/)(?:ip6?tables(?:-legacy|-nft)?-save)[^/]*$/i;
const CONNTRACK_NAME = /(?:\.conntrack|\.nf_conntrack)$|(?:^|\/)(?:conntrack[^/]*\.txt|nf_conntrack[^/]*)$/i;

export function isDumpDocument(doc: OpenDocument): boolean {
  return doc.languageId === 'iptables' || (doc.languageId === 'plaintext' && DUMP_NAME.test(doc.uri));
}

export function isConntrackDocument(doc: OpenDocument): boolean {
  return doc.languageId === 'conntrack' || (doc.languageId === 'plaintext' && CONNTRACK_NAME.test(doc.uri));
}

export function openDump(ctx: FeatureContext, uri: string): OpenDocument | undefined {
  const doc = ctx.openDocument(uri);
  return doc && isDumpDocument(doc) ? doc : undefined;
}

export function openConntrack(ctx: FeatureContext, uri: string): OpenDocument | undefined {
  const doc = ctx.openDocument(uri);
  return doc && isConntrackDocument(doc) ? doc : undefined;
}

// ---------------------------------------------------------------------------------------------
// Analyses, cached per (snapshot, settings, uri, version)

/** The workspace as the dump analysis sees it: its nodes and each node's generated rules. */
export function dumpWorkspaceOf(snapshot: WorkspaceSnapshot): DumpWorkspace & { readonly cluster: Cluster } {
  const settings = currentSettings().cluster;
  const { cluster } = clusterOfSnapshot(snapshot, settings);
  return {
    cluster,
    assumptions: cluster.assumptions,
    nodes: cluster.nodes.map((n) => ({ name: n.name, internalIP: n.internalIP })),
    nodeRules: (nodeName, family) => nodeRulesOfSnapshot(snapshot, settings, { ...nodeRulesOptions(currentSettings(), nodeName), family }),
  };
}

const analyses = new WeakMap<WorkspaceSnapshot, Map<string, { key: string; analysis: DumpAnalysis }>>();
/** The parse outlives workspace snapshots: a manifest edit re-maps the dump but does not re-parse it. */
const parses = new Map<string, { version: number; length: number; ruleset: Ruleset }>();

function parsedDump(doc: OpenDocument): Ruleset {
  const hit = parses.get(doc.uri);
  if (hit && hit.version === doc.version && hit.length === doc.text.length) return hit.ruleset;
  const ruleset = parseDump(doc.text);
  parses.set(doc.uri, { version: doc.version, length: doc.text.length, ruleset });
  return ruleset;
}

/** Forget a closed document's parse. */
export function forgetDocument(uri: string): void {
  parses.delete(uri);
  conntrackTables.delete(uri);
}

export function dumpAnalysisOf(ctx: FeatureContext, doc: OpenDocument): DumpAnalysis {
  let bySnapshot = analyses.get(ctx.snapshot);
  if (!bySnapshot) analyses.set(ctx.snapshot, (bySnapshot = new Map()));
  const settings = currentDumpSettings();
  const key = `${doc.version}\u0000${JSON.stringify(currentSettings().cluster)}\u0000${JSON.stringify(currentSettings().kubeProxy)}\u0000${settings.node ?? ''}\u0000${doc.text.length}`;
  const hit = bySnapshot.get(doc.uri);
  if (hit && hit.key === key) return hit.analysis;
  const analysis = analyzeDump(doc.text, dumpWorkspaceOf(ctx.snapshot), { fileName: doc.uri, ruleset: parsedDump(doc), ...(settings.node ? { nodeSetting: settings.node } : {}) });
  bySnapshot.set(doc.uri, { key, analysis });
  return analysis;
}

const conntrackTables = new Map<string, { version: number; length: number; table: ConntrackTable }>();

export function conntrackTableOf(doc: OpenDocument): ConntrackTable {
  const hit = conntrackTables.get(doc.uri);
  if (hit && hit.version === doc.version && hit.length === doc.text.length) return hit.table;
  const table = parseConntrack(doc.text);
  conntrackTables.set(doc.uri, { version: doc.version, length: doc.text.length, table });
  return table;
}

// ---------------------------------------------------------------------------------------------
// Where things are in the workspace

export function findService(snapshot: WorkspaceSnapshot, namespace: string | undefined, name: string | undefined): ManifestObject | undefined {
  if (!name) return undefined;
  return snapshot.find('Service', namespace ?? 'default', name);
}

/** The Service's port entry (by name, else its first port) or its name. */
export function servicePortLocation(ctx: FeatureContext, service: ManifestObject, portName?: string): Location | undefined {
  const ports = (service.value.spec as { ports?: { name?: string }[] } | undefined)?.ports;
  const index = Array.isArray(ports) ? ports.findIndex((p) => (p?.name ?? '') === (portName ?? '')) : -1;
  const node = index >= 0 ? fieldNode(service, ['spec', 'ports', index]) : undefined;
  return spanLocation(ctx, service.uri, node?.valueSpan ?? objectNameSpan(service));
}
