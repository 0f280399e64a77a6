// The `kubePacketPath.*` settings the rules and trace features read. The server asks for them with
// workspace/configuration (or takes what didChangeConfiguration pushes); clients that send nothing
// (Neovim, plain LSP clients) get the defaults. Every value is checked: a bad one falls back to its
// default instead of reaching the core.
import type { ClientCapabilities, Connection } from 'vscode-languageserver/node';
import { defaultClusterSettings, type ClusterSettings } from '../core/cluster/synthesizeCluster';
import type { ProxierConfig } from '../core/kubeproxy/types';

export type SettingsRulesFormat = 'restore' | 'save-legacy' | 'save-nft';

export interface KppSettings {
  readonly rules: {
    /** Node to show; undefined = the first node of the cluster. */
    readonly node?: string;
    readonly format: SettingsRulesFormat;
  };
  readonly cluster: ClusterSettings;
  /** `namespace/name` of the ingress controller's Service, overriding the search by IngressClass. */
  readonly ingressControllerService?: string;
  /**
   * kube-proxy settings that no KubeProxyConfiguration field carries (the same as `kpp rules`'
   * --no-nfacct, --no-local-detector, --tcp-be-liberal, --no-random-fully, --masquerade-all):
   * only the ones that differ from kube-proxy's defaults, as proxier-config overrides.
   */
  readonly kubeProxy: Partial<ProxierConfig>;
}

export const defaultSettings: KppSettings = { rules: { format: 'save-legacy' }, cluster: defaultClusterSettings, kubeProxy: {} };

/** The kube-proxy overrides the `kubePacketPath.kubeProxy.*` booleans ask for (empty when all are at their defaults). */
export function kubeProxyOverrides(get: (group: string, key: string) => unknown): Partial<ProxierConfig> {
  const flag = (key: string, fallback: boolean): boolean => {
    const v = get('kubeProxy', key);
    return typeof v === 'boolean' ? v : fallback;
  };
  const out: { -readonly [K in keyof ProxierConfig]?: ProxierConfig[K] } = {};
  if (!flag('nfacctCounters', true)) out.nfacctCounters = { ct_state_invalid_dropped_pkts: false, localhost_nps_accepted_pkts: false };
  if (!flag('localTrafficDetector', true)) out.localDetector = { mode: 'none' };
  if (flag('conntrackTcpBeLiberal', false)) out.conntrackTCPLiberal = true;
  if (!flag('randomFully', true)) out.hasRandomFully = false;
  if (flag('masqueradeAll', false)) out.masqueradeAll = true;
  return out;
}

const CIDR4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function isCidr(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = CIDR4.exec(v.trim());
  return !!m && m.slice(1, 5).every((p) => Number(p) <= 255) && Number(m[5]) <= 32;
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * Reads `group.key` from a `kubePacketPath` section as a client sends it: nested objects (as VS
 * Code does for workspace/configuration) or dotted keys such as `"rules.node"`.
 */
export function settingsReader(raw: unknown): (group: string, key: string) => unknown {
  const section = record(raw);
  return (group, key) => {
    const nested = record(section[group])[key];
    return nested !== undefined ? nested : section[`${group}.${key}`];
  };
}

/**
 * The `kubePacketPath` section: asked with workspace/configuration when the client supports it,
 * otherwise taken from `pushed` (didChangeConfiguration's `settings`). Rejects when the request fails.
 */
export async function fetchSettingsSection(connection: Connection, capabilities: ClientCapabilities, pushed?: unknown): Promise<unknown> {
  if (capabilities.workspace?.configuration) return connection.workspace.getConfiguration({ section: 'kubePacketPath' });
  return record(pushed).kubePacketPath;
}

/**
 * The settings from the `kubePacketPath` section as a client sends it (nested objects, as VS Code
 * does for workspace/configuration; dotted keys such as `"rules.node"` are accepted too).
 */
export function parseSettings(raw: unknown): KppSettings {
  const get = settingsReader(raw);
  const node = get('rules', 'node');
  const format = get('rules', 'format');
  const nodeCount = get('cluster', 'nodeCount');
  const cidr = (key: 'podCIDR' | 'serviceCIDR' | 'nodeSubnet' | 'loadBalancerCIDR'): string => {
    const v = get('cluster', key);
    return isCidr(v) ? v.trim() : defaultClusterSettings[key];
  };
  const controller = get('ingress', 'controllerService');
  return {
    rules: {
      ...(typeof node === 'string' && node.trim() !== '' ? { node: node.trim() } : {}),
      format: format === 'restore' || format === 'save-nft' || format === 'save-legacy' ? format : 'save-legacy',
    },
    cluster: {
      ...defaultClusterSettings,
      nodeCount: typeof nodeCount === 'number' && Number.isInteger(nodeCount) && nodeCount >= 1 && nodeCount <= 5000 ? nodeCount : defaultClusterSettings.nodeCount,
      podCIDR: cidr('podCIDR'),
      serviceCIDR: cidr('serviceCIDR'),
      nodeSubnet: cidr('nodeSubnet'),
      loadBalancerCIDR: cidr('loadBalancerCIDR'),
    },
    ...(typeof controller === 'string' && /^[^/\s]+\/[^/\s]+$/.test(controller.trim()) ? { ingressControllerService: controller.trim() } : {}),
    kubeProxy: kubeProxyOverrides(get),
  };
}

/** Options for `nodeRulesOfSnapshot` under these settings: the node and the kube-proxy overrides. */
export function nodeRulesOptions(settings: KppSettings, nodeName: string | undefined): { nodeName?: string; overrides?: Partial<ProxierConfig> } {
  return { ...(nodeName !== undefined ? { nodeName } : {}), ...(Object.keys(settings.kubeProxy).length > 0 ? { overrides: settings.kubeProxy } : {}) };
}

let current: KppSettings = defaultSettings;
let version = 0;

/** The settings in force. */
export function currentSettings(): KppSettings {
  return current;
}

/** Bumped each time the settings change (part of the key that decides when rules changed). */
export function settingsVersion(): number {
  return version;
}

/** Replaces the settings; true when they changed. */
export function applySettings(raw: unknown): boolean {
  const next = parseSettings(raw);
  if (JSON.stringify(next) === JSON.stringify(current)) return false;
  current = next;
  version++;
  return true;
}

/**
 * Reads `kubePacketPath` with workspace/configuration when the client supports it, otherwise takes
 * `pushed` (didChangeConfiguration's `settings`). True when the settings changed. Never throws.
 */
export async function readSettings(connection: Connection, capabilities: ClientCapabilities, pushed?: unknown): Promise<boolean> {
  try {
    return applySettings(await fetchSettingsSection(connection, capabilities, pushed));
  } catch (err) {
    connection.console.error(`reading kubePacketPath settings failed: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}
