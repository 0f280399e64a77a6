// `kpp/generatedRules`: the rules kube-proxy would write on a node, as the text of the read-only
// `kpp-rules:` document (whole node, or one Service's lines picked from it), in the configured
// flavour. Also the one place the features get "the node rules for the current settings", and the
// `kpp/rulesChanged` notifier.
import { clusterOfSnapshot, nodeRulesOfSnapshot } from '../core/cluster/clusterOfSnapshot';
import type { NodeRules } from '../core/cluster/nodeRules';
import { findServicePorts, formatNodeRules, formatServicePortLines, selectServicePortLines } from '../core/cluster/serviceRulesText';
import type { Cluster, KubeObject } from '../core/cluster/synthesizeCluster';
import type { WorkspaceSnapshot } from '../core/workspace/workspaceSnapshot';
import {
  GeneratedRulesMethod,
  RulesChangedMethod,
  type GeneratedRulesFormat,
  type GeneratedRulesParams,
  type GeneratedRulesResult,
  type RulesChangedParams,
} from '../protocol';
import { defineCustomRequest } from './customRequests';
import { currentSettings, nodeRulesOptions, settingsVersion } from './settings';

const FORMATS: readonly GeneratedRulesFormat[] = ['restore', 'save-legacy', 'save-nft', 'node-restore'];

export interface CurrentRules {
  readonly cluster: Cluster;
  readonly objects: readonly KubeObject[];
  readonly rules: NodeRules;
  /** Set when the node asked for does not exist (the first node is used instead). */
  readonly nodeError?: string;
}

/** The cluster and the rules of `nodeName` (default: the configured node, then the first) for the current settings. Cached per snapshot. */
export function currentRules(snapshot: WorkspaceSnapshot, nodeName?: string): CurrentRules {
  const settings = currentSettings();
  const { cluster, objects } = clusterOfSnapshot(snapshot, settings.cluster);
  const wanted = nodeName ?? settings.rules.node;
  const known = wanted !== undefined && cluster.nodes.some((n) => n.name === wanted);
  const name = known ? wanted : cluster.nodes[0]?.name;
  const rules = nodeRulesOfSnapshot(snapshot, settings.cluster, nodeRulesOptions(settings, name));
  const nodeError = wanted !== undefined && !known ? `No node "${wanted}": the nodes are ${cluster.nodes.map((n) => n.name).join(', ')}; showing ${rules.node.name}.` : undefined;
  return { cluster, objects, rules, ...(nodeError ? { nodeError } : {}) };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 1024 ? v : undefined;
}

/** The text for the params (malformed params are read as absent). */
export function generatedRulesText(snapshot: WorkspaceSnapshot, raw: unknown): GeneratedRulesResult {
  const params = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<keyof GeneratedRulesParams, unknown>;
  const format: GeneratedRulesFormat = FORMATS.includes(params.format as GeneratedRulesFormat) ? (params.format as GeneratedRulesFormat) : currentSettings().rules.format;
  const { cluster, rules, nodeError } = currentRules(snapshot, str(params.node));
  const errors: string[] = nodeError ? [nodeError] : [];
  const whole = formatNodeRules(rules, format);
  errors.push(...whole.errors);
  let text = whole.text;
  const service = str(params.service);
  if (service !== undefined) {
    const slash = service.indexOf('/');
    const ns = slash > 0 ? service.slice(0, slash) : 'default';
    const name = slash > 0 ? service.slice(slash + 1) : service;
    const ports = findServicePorts(rules, ns, name);
    if (ports.length === 0) {
      errors.push(`kube-proxy writes no rules for Service ${ns}/${name} on this node (no such Service, or it is headless or has no ports).`);
      text = '';
    } else {
      const selection = selectServicePortLines(whole.text, ports);
      errors.push(...selection.errors);
      text = formatServicePortLines(selection);
    }
  }
  return { text, node: rules.node.name, format, nodes: cluster.nodes.map((n) => n.name), errors };
}

/** `kpp/generatedRules`. */
export const generatedRulesRequest = defineCustomRequest<unknown, GeneratedRulesResult>({
  method: GeneratedRulesMethod,
  defaultResult: { text: '', node: '', format: 'save-legacy', nodes: [], errors: ['The rules could not be generated (see the server log).'] },
  handle: (ctx, params) => generatedRulesText(ctx.snapshot, params),
});

/**
 * Sends `kpp/rulesChanged` when the index generation or the settings moved since the last call.
 * server.ts calls it after each diagnostics publish and after a settings change.
 */
export function createRulesChangedNotifier(send: (method: string, params: RulesChangedParams) => void): (generation: number) => void {
  let last = '';
  return (generation) => {
    const key = `${generation}:${settingsVersion()}`;
    if (key === last) return;
    last = key;
    send(RulesChangedMethod, { generation });
  };
}
