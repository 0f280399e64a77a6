/**
 * The proxier configuration: defaults like a real kube-proxy in iptables mode, and reading a
 * `kubeproxy.config.k8s.io/v1alpha1` KubeProxyConfiguration into it.
 */
import type { LocalDetectorConfig, ProxierConfig } from './types';

/** A configuration like a stock kube-proxy (iptables mode) on a node named `node`. */
export function defaultProxierConfig(): ProxierConfig {
  return {
    nodeName: 'node',
    nodeIPs: [],
    ipFamily: 'ipv4',
    // kube-proxy's default mode is ClusterCIDR; with no clusterCIDR configured it detects nothing.
    localDetector: { mode: 'ClusterCIDR', cidrs: [] },
    masqueradeBit: 14,
    masqueradeAll: false,
    localhostNodePorts: true,
    nodePortAddresses: [],
    nfacctCounters: { ct_state_invalid_dropped_pkts: true, localhost_nps_accepted_pkts: true },
    conntrackTCPLiberal: false,
    hasRandomFully: true,
    largeClusterEndpointsThreshold: 1000,
    featureGates: { LoadBalancerIPMode: true, PreferSameTrafficDistribution: false },
  };
}

/** Go's `fmt.Sprintf("%#08x", 1<<bit)`: eight zero-padded hex digits after `0x`, e.g. `0x00004000`. */
export function formatMasqueradeMark(bit: number): string {
  const value = 2 ** bit;
  return '0x' + value.toString(16).padStart(8, '0');
}

/** The settings a KubeProxyConfiguration sets (only those present in the object). */
export type KubeProxyConfigurationSettings = {
  -readonly [K in keyof ProxierConfig]?: ProxierConfig[K];
};

export interface ConfigurationError {
  readonly message: string;
  /** Field path inside the object, e.g. `['iptables', 'masqueradeBit']`. */
  readonly path: readonly (string | number)[];
}

export interface ParsedKubeProxyConfiguration {
  readonly config: KubeProxyConfigurationSettings;
  /** `mode` as written ('' = iptables, the Linux default). */
  readonly mode: string;
  readonly errors: readonly ConfigurationError[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads the fields of a `kubeproxy.config.k8s.io/v1alpha1` KubeProxyConfiguration that change the
 * iptables rules: clusterCIDR, detectLocalMode + detectLocal, iptables.masqueradeBit,
 * iptables.masqueradeAll, iptables.localhostNodePorts, nodePortAddresses, hostnameOverride,
 * conntrack.tcpBeLiberal and the featureGates LoadBalancerIPMode / PreferSameTrafficDistribution.
 * Never throws: wrong types are reported and skipped.
 */
export function parseKubeProxyConfiguration(obj: unknown): ParsedKubeProxyConfiguration {
  const errors: ConfigurationError[] = [];
  const config: KubeProxyConfigurationSettings = {};
  if (!isRecord(obj)) return { config, mode: '', errors: [{ message: 'KubeProxyConfiguration must be an object', path: [] }] };
  if (obj.kind !== undefined && obj.kind !== 'KubeProxyConfiguration') errors.push({ message: `kind is ${String(obj.kind)}, not KubeProxyConfiguration`, path: ['kind'] });
  if (obj.apiVersion !== undefined && obj.apiVersion !== 'kubeproxy.config.k8s.io/v1alpha1') {
    errors.push({ message: `apiVersion ${String(obj.apiVersion)} is not kubeproxy.config.k8s.io/v1alpha1; reading it as v1alpha1`, path: ['apiVersion'] });
  }
  const str = (v: unknown, path: (string | number)[]): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    errors.push({ message: `${path.join('.')} must be a string`, path });
    return undefined;
  };
  const bool = (v: unknown, path: (string | number)[]): boolean | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    errors.push({ message: `${path.join('.')} must be true or false`, path });
    return undefined;
  };

  const mode = str(obj.mode, ['mode']) ?? '';
  if (mode !== '' && mode !== 'iptables') errors.push({ message: `mode is ${mode}: the rules shown are those of iptables mode`, path: ['mode'] });

  const hostname = str(obj.hostnameOverride, ['hostnameOverride']);
  if (hostname !== undefined && hostname.trim() !== '') config.nodeName = hostname.trim().toLowerCase();

  const clusterCIDR = str(obj.clusterCIDR, ['clusterCIDR']);
  const cidrs = clusterCIDR === undefined ? [] : clusterCIDR.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const detectLocalMode = str(obj.detectLocalMode, ['detectLocalMode']) ?? '';
  const detectLocal = isRecord(obj.detectLocal) ? obj.detectLocal : {};
  if (obj.detectLocal !== undefined && obj.detectLocal !== null && !isRecord(obj.detectLocal)) errors.push({ message: 'detectLocal must be an object', path: ['detectLocal'] });
  let detector: LocalDetectorConfig | undefined;
  switch (detectLocalMode) {
    case '':
    case 'ClusterCIDR':
      if (detectLocalMode !== '' || clusterCIDR !== undefined) detector = { mode: 'ClusterCIDR', cidrs };
      break;
    case 'NodeCIDR':
      detector = { mode: 'NodeCIDR' };
      break;
    case 'BridgeInterface': {
      const name = str(detectLocal.bridgeInterface, ['detectLocal', 'bridgeInterface']) ?? '';
      if (name === '') errors.push({ message: 'detectLocalMode BridgeInterface needs detectLocal.bridgeInterface', path: ['detectLocal', 'bridgeInterface'] });
      detector = { mode: 'BridgeInterface', bridgeInterface: name };
      break;
    }
    case 'InterfaceNamePrefix': {
      const prefix = str(detectLocal.interfaceNamePrefix, ['detectLocal', 'interfaceNamePrefix']) ?? '';
      if (prefix === '') errors.push({ message: 'detectLocalMode InterfaceNamePrefix needs detectLocal.interfaceNamePrefix', path: ['detectLocal', 'interfaceNamePrefix'] });
      detector = { mode: 'InterfaceNamePrefix', interfaceNamePrefix: prefix };
      break;
    }
    default:
      errors.push({ message: `unknown detectLocalMode ${detectLocalMode}`, path: ['detectLocalMode'] });
  }
  if (detector) config.localDetector = detector;

  if (obj.iptables !== undefined && obj.iptables !== null) {
    if (!isRecord(obj.iptables)) errors.push({ message: 'iptables must be an object', path: ['iptables'] });
    else {
      const ipt = obj.iptables;
      if (ipt.masqueradeBit !== undefined && ipt.masqueradeBit !== null) {
        const b = ipt.masqueradeBit;
        if (typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 31) config.masqueradeBit = b;
        else errors.push({ message: 'iptables.masqueradeBit must be an integer from 0 to 31', path: ['iptables', 'masqueradeBit'] });
      }
      const all = bool(ipt.masqueradeAll, ['iptables', 'masqueradeAll']);
      if (all !== undefined) config.masqueradeAll = all;
      const lhnp = bool(ipt.localhostNodePorts, ['iptables', 'localhostNodePorts']);
      if (lhnp !== undefined) config.localhostNodePorts = lhnp;
    }
  }

  // conntrack.tcpBeLiberal makes kube-proxy set nf_conntrack_tcp_be_liberal, which it then reads back.
  const conntrack = asRecordOrReport(obj.conntrack, ['conntrack'], errors);
  if (conntrack) {
    const liberal = bool(conntrack.tcpBeLiberal, ['conntrack', 'tcpBeLiberal']);
    if (liberal === true) config.conntrackTCPLiberal = true;
  }

  const gates = asRecordOrReport(obj.featureGates, ['featureGates'], errors);
  if (gates) {
    const defaults = defaultProxierConfig().featureGates;
    const lbipmode = bool(gates.LoadBalancerIPMode, ['featureGates', 'LoadBalancerIPMode']);
    const psnode = bool(gates.PreferSameTrafficDistribution, ['featureGates', 'PreferSameTrafficDistribution']);
    if (lbipmode !== undefined || psnode !== undefined) {
      config.featureGates = { LoadBalancerIPMode: lbipmode ?? defaults.LoadBalancerIPMode, PreferSameTrafficDistribution: psnode ?? defaults.PreferSameTrafficDistribution };
    }
  }

  if (obj.nodePortAddresses !== undefined && obj.nodePortAddresses !== null) {
    if (!Array.isArray(obj.nodePortAddresses)) errors.push({ message: 'nodePortAddresses must be a list', path: ['nodePortAddresses'] });
    else {
      const list: string[] = [];
      obj.nodePortAddresses.forEach((v, i) => {
        const s = str(v, ['nodePortAddresses', i]);
        if (s !== undefined) list.push(s);
      });
      config.nodePortAddresses = list;
    }
  }
  return { config, mode, errors };
}

function asRecordOrReport(v: unknown, path: (string | number)[], errors: ConfigurationError[]): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (isRecord(v)) return v;
  errors.push({ message: `${path.join('.')} must be an object`, path });
  return undefined;
}

/** The default configuration with a KubeProxyConfiguration's settings applied. */
export function applyKubeProxyConfiguration(base: ProxierConfig, settings: KubeProxyConfigurationSettings): ProxierConfig {
  return { ...base, ...settings } as ProxierConfig;
}
