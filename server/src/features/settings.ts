// The `kubePacketPath.*` settings the rules and trace features read. The server asks for them with
// workspace/configuration (or takes what didChangeConfiguration pushes); clients that send nothing
// (Neovim, plain LSP clients) get the defaults. Every value is checked: a bad one falls back to its
// default instead of reaching the core.
import type { ClientCapabilities, Connection } from 'vscode-languageserver/node';
import { defaultClusterSettings, type ClusterSettings } from '../core/cluster/synthesizeCluster';

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
}

export const defaultSettings: KppSettings = { rules: { format: 'save-legacy' }, cluster: defaultClusterSettings };

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
 * The settings from the `kubePacketPath` section as a client sends it (nested objects, as VS Code
 * does for workspace/configuration; dotted keys such as `"rules.node"` are accepted too).
 */
export function parseSettings(raw: unknown): KppSettings {
  const section = record(raw);
  const get = (group: string, key: string): unknown => {
    const nested = record(section[group])[key];
    return nested !== undefined ? nested : section[`${group}.${key}`];
  };
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
  };
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
    if (capabilities.workspace?.configuration) {
      const value: unknown = await connection.workspace.getConfiguration({ section: 'kubePacketPath' });
      return applySettings(value);
    }
    return applySettings(record(pushed).kubePacketPath);
  } catch (err) {
    connection.console.error(`reading kubePacketPath settings failed: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}
