/**
 * Input and output of the kube-proxy (iptables mode) rule generator. Plain readonly data.
 */

/** How kube-proxy tells pod traffic from other traffic (`--detect-local-mode`). */
export type LocalDetectorConfig =
  /** `-s <cidr>` with the first of `cidrs` in the proxier's family; no CIDR of that family means no detector. */
  | { readonly mode: 'ClusterCIDR'; readonly cidrs: readonly string[] }
  /** The node's pod CIDRs: `cidrs` if given, else the Node object's `spec.podCIDRs` / `spec.podCIDR`. */
  | { readonly mode: 'NodeCIDR'; readonly cidrs?: readonly string[] }
  /** `-i <bridgeInterface>`. */
  | { readonly mode: 'BridgeInterface'; readonly bridgeInterface: string }
  /** `-i <interfaceNamePrefix>+`. */
  | { readonly mode: 'InterfaceNamePrefix'; readonly interfaceNamePrefix: string }
  /** No detector (`NewNoOpLocalDetector`). */
  | { readonly mode: 'none' };

export interface NfacctCounters {
  /** `ct_state_invalid_dropped_pkts` exists: the KUBE-FORWARD INVALID drop rule counts with `-m nfacct`. */
  readonly ct_state_invalid_dropped_pkts: boolean;
  /** `localhost_nps_accepted_pkts` exists: an extra `-d 127.0.0.0/8 ... -m nfacct` NodePort rule (IPv4, localhost NodePorts on). */
  readonly localhost_nps_accepted_pkts: boolean;
}

export interface FeatureGates {
  /** On by default (GA): ingress IPs with `ipMode: Proxy` get no rules. Off: every ingress IP is a VIP. */
  readonly LoadBalancerIPMode: boolean;
  /** Node hints (`hints.forNodes`) select endpoints (PreferSameNode). Off by default (alpha in 1.33). */
  readonly PreferSameTrafficDistribution: boolean;
}

export interface ProxierConfig {
  /** The node kube-proxy runs on; an endpoint is local when its `nodeName` equals this. */
  readonly nodeName: string;
  /** The node's addresses; the first of the proxier's family is kube-proxy's `nodeIP` (LB source-range "allow from node"). */
  readonly nodeIPs: readonly string[];
  readonly ipFamily: 'ipv4' | 'ipv6';
  readonly localDetector: LocalDetectorConfig;
  /** `iptables.masqueradeBit` (default 14). */
  readonly masqueradeBit: number;
  /**
   * The mark text kube-proxy writes. Real kube-proxy formats `1 << masqueradeBit` with Go's
   * `%#08x` (`0x00004000`); kube-proxy's fake test proxier hard-codes `0x4000`. Undefined = the real one.
   */
  readonly masqueradeMark?: string;
  readonly masqueradeAll: boolean;
  /** `iptables.localhostNodePorts` (default true). Forced off when nodePortAddresses excludes 127.0.0.0/8, as NewProxier does. */
  readonly localhostNodePorts: boolean;
  /** CIDRs (or `primary`); empty = every local address. */
  readonly nodePortAddresses: readonly string[];
  readonly nfacctCounters: NfacctCounters;
  /** `net.netfilter.nf_conntrack_tcp_be_liberal` is set: no INVALID drop rule. */
  readonly conntrackTCPLiberal: boolean;
  /** iptables supports `--random-fully` (true on any iptables >= 1.6.2). */
  readonly hasRandomFully: boolean;
  /** More endpoints than this in total drops the per-endpoint comments (1000). */
  readonly largeClusterEndpointsThreshold: number;
  /** The node's interface addresses (`ip/prefix`) by interface, for nodePortAddresses; undefined = lo plus nodeIPs (assumed). */
  readonly nodeInterfaceAddresses?: Readonly<Record<string, readonly string[]>>;
  readonly featureGates: FeatureGates;
}

/** Objects as YAML/JSON parses them: v1 Service, discovery.k8s.io/v1 EndpointSlice, v1 Endpoints, v1 Node. */
export interface ProxierInput {
  readonly services: readonly unknown[];
  readonly endpointSlices: readonly unknown[];
  /** Legacy v1 Endpoints; used (converted to slices) only for Services that have no EndpointSlice. */
  readonly endpoints?: readonly unknown[];
  readonly nodes?: readonly unknown[];
  readonly config: ProxierConfig;
  /**
   * The nat chains that exist on the node before this sync (what kube-proxy reads with
   * iptables-save). Service chains among them that this sync does not use are flushed and
   * deleted (`:CHAIN` + `-X CHAIN`), as a full sync does. Undefined = a fresh node.
   */
  readonly existingNatChains?: readonly string[];
}

export type ChainKind = 'SVC' | 'SVL' | 'EXT' | 'FW' | 'SEP';

/**
 * Where a chain's rules are in `restore` (0-based line numbers, `end` exclusive). Usually one
 * range; a KUBE-SVC/KUBE-SVL chain has two when its cluster-IP masquerade rule was written before
 * the service's KUBE-EXT/KUBE-FW rules (kube-proxy's own write order).
 */
export interface ChainLines {
  readonly table: 'filter' | 'nat';
  readonly chain: string;
  readonly kind: ChainKind;
  /** The `:CHAIN - [0:0]` line. */
  readonly declarationLine: number;
  readonly ranges: readonly { readonly start: number; readonly end: number }[];
}

/** A rule this service port owns in a shared chain (KUBE-SERVICES, KUBE-NODEPORTS, KUBE-EXTERNAL-SERVICES, KUBE-PROXY-FIREWALL). */
export interface SharedRuleLine {
  readonly table: 'filter' | 'nat';
  readonly chain: string;
  readonly line: number;
}

export interface GeneratedEndpoint {
  /** `ip:port` (`[ip]:port` for IPv6), as kube-proxy prints it. */
  readonly endpoint: string;
  readonly ip: string;
  readonly port: number;
  readonly chain: string;
  readonly nodeName?: string;
  readonly local: boolean;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  /** Whether this endpoint gets a KUBE-SEP chain on this node (it is in the cluster or local set in use). */
  readonly programmed: boolean;
}

export interface GeneratedServicePort {
  readonly namespace: string;
  readonly name: string;
  readonly portName: string;
  /** Upper case, as in the Service: TCP, UDP, SCTP. */
  readonly protocol: string;
  /** `ns/name:port` or `ns/name`. */
  readonly svcPortName: string;
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort: number;
  readonly healthCheckNodePort: number;
  readonly externalIPs: readonly string[];
  readonly loadBalancerIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  /** The chain names (always computed); `used` says which exist in `restore`. */
  readonly chains: { readonly svc: string; readonly svl: string; readonly ext: string; readonly fw: string };
  readonly used: { readonly svc: boolean; readonly svl: boolean; readonly ext: boolean; readonly fw: boolean };
  /** Every endpoint kube-proxy knows for this port, in its order (sorted by `ip:port` string). */
  readonly endpoints: readonly GeneratedEndpoint[];
  /** The endpoints in the SVC (Cluster policy) and SVL (Local policy) chains, in rule order. */
  readonly clusterEndpoints: readonly string[];
  readonly localEndpoints: readonly string[];
  /** false: no usable endpoint anywhere (REJECT rules). */
  readonly hasEndpoints: boolean;
  readonly chainLines: readonly ChainLines[];
  readonly sharedRuleLines: readonly SharedRuleLine[];
}

export interface GeneratorMessage {
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  /** `ns/name` of the object concerned, when there is one. */
  readonly object?: string;
}

export interface GeneratedRules {
  /** What kube-proxy passes to iptables-restore on a full sync, in its write order. */
  readonly restore: string;
  readonly ipFamily: 'IPv4' | 'IPv6';
  readonly servicePorts: readonly GeneratedServicePort[];
  /** `kubeproxy_sync_proxy_rules_no_local_endpoints_total{traffic_policy=internal|external}`. */
  readonly noLocalEndpoints: { readonly internal: number; readonly external: number };
  readonly largeClusterMode: boolean;
  readonly totalEndpoints: number;
  /** Stale service chains deleted with `-X` (only with `existingNatChains`). */
  readonly deletedChains: readonly string[];
  /** The mark as written (e.g. `0x00004000`). */
  readonly masqueradeMark: string;
  /** Inputs kube-proxy would skip or log about (bad IPs, wrong family, ...). */
  readonly messages: readonly GeneratorMessage[];
}
