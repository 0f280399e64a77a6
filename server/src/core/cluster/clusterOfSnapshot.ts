import { nearestSpan } from '../manifests/fieldSpan';
import type { WorkspaceSnapshot } from '../workspace/workspaceSnapshot';
import type { LocateObject } from '../trace/buildTrace';
import { buildNodeRules, type NodeRules, type NodeRulesOptions } from './nodeRules';
import { defaultClusterSettings, synthesizeCluster, type Cluster, type ClusterSettings, type KubeObject } from './synthesizeCluster';

/**
 * The cluster and node rules of a workspace snapshot, computed once per snapshot and settings
 * (snapshots are immutable, so a WeakMap keyed by the snapshot is a safe cache: an edit makes a
 * new snapshot and the old entries go with it).
 */
interface Entry {
  readonly cluster: Cluster;
  readonly objects: readonly KubeObject[];
  readonly rules: Map<string, NodeRules>;
}

const cache = new WeakMap<WorkspaceSnapshot, Map<string, Entry>>();

function entryOf(snapshot: WorkspaceSnapshot, settings: ClusterSettings): Entry {
  let bySettings = cache.get(snapshot);
  if (!bySettings) {
    bySettings = new Map();
    cache.set(snapshot, bySettings);
  }
  const key = JSON.stringify(settings);
  let entry = bySettings.get(key);
  if (!entry) {
    const objects = snapshot.objects().filter((o) => !o.inBrokenDocument).map((o) => o.value as unknown as KubeObject);
    entry = { cluster: synthesizeCluster(objects, settings), objects, rules: new Map() };
    bySettings.set(key, entry);
  }
  return entry;
}

export function clusterOfSnapshot(snapshot: WorkspaceSnapshot, settings: ClusterSettings = defaultClusterSettings): { cluster: Cluster; objects: readonly KubeObject[] } {
  const e = entryOf(snapshot, settings);
  return { cluster: e.cluster, objects: e.objects };
}

/** The rules of one node (default: the first), cached per snapshot, settings and options. */
export function nodeRulesOfSnapshot(snapshot: WorkspaceSnapshot, settings: ClusterSettings = defaultClusterSettings, options: NodeRulesOptions = {}): NodeRules {
  const e = entryOf(snapshot, settings);
  const key = JSON.stringify(options);
  let rules = e.rules.get(key);
  if (!rules) {
    rules = buildNodeRules(e.cluster, options);
    e.rules.set(key, rules);
  }
  return rules;
}

/** Finds where an object (or a field of it) is written in the workspace, for "reveal". */
export function locatorOf(snapshot: WorkspaceSnapshot): LocateObject {
  return (kind, namespace, name, path) => {
    const obj = snapshot.find(kind, namespace, name) ?? snapshot.find(kind, undefined, name);
    if (!obj) return undefined;
    return { uri: obj.uri, span: path ? nearestSpan(obj, path) : obj.span };
  };
}
