/**
 * A reproduction of kube-proxy's iptables proxier full sync (`syncProxyRules` in
 * pkg/proxy/iptables/proxier.go, v1.32/v1.33): the exact iptables-restore input it writes, plus
 * per-service-port metadata for the editor. Pure: objects in, text and data out; never throws.
 *
 * kube-proxy walks its service map in Go map order, which is random; here services go in
 * namespace/name order and ports in spec order, so the output is deterministic. Any order gives
 * the same ruleset after kube-proxy's test normalisation (`sortIPTablesRules`).
 */
import { endpointChainName } from './chainNames';
import { formatMasqueradeMark } from './config';
import { cidrContains, formatCIDR, parseCIDRSloppy, parseIPSloppy, type IpFamilyName, type ParsedCIDR } from './ip';
import { computeProbability } from './probability';
import { concatText, LineBuffer } from './lineBuffer';
import {
  asRecord,
  buildEndpointsMap,
  buildServicePortMap,
  categorizeEndpoints,
  convertEndpointsToSlices,
  nodeIPsInCIDRs,
  usesLocalEndpoints,
  externallyAccessible,
  type EndpointInfo,
  type ServicePortInfo,
} from './proxyState';
import type { ChainKind, GeneratedEndpoint, GeneratedRules, GeneratedServicePort, GeneratorMessage, ProxierConfig, ProxierInput } from './types';

const KUBE_SERVICES = 'KUBE-SERVICES';
const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
const KUBE_FORWARD = 'KUBE-FORWARD';
const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
const KUBE_FIREWALL = 'KUBE-FIREWALL';
const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-SEP-', 'KUBE-FW-', 'KUBE-EXT-'];
const LOCALHOST_NPS_COUNTER = 'localhost_nps_accepted_pkts';
const CT_INVALID_COUNTER = 'ct_state_invalid_dropped_pkts';

const endpointString = (e: EndpointInfo): string => e.str;

const protocolMatches = new Map<string, string>();
/** ` -m <proto> -p <proto>`, one string per protocol rather than four pieces per rule. */
function protocolMatch(protocolLower: string): string {
  let m = protocolMatches.get(protocolLower);
  if (m === undefined) {
    m = ` -m ${protocolLower} -p ${protocolLower}`;
    protocolMatches.set(protocolLower, m);
  }
  return m;
}

interface LocalDetector {
  readonly ifLocal?: string;
  readonly ifNotLocal?: string;
}

function chainLine(chain: string): string {
  return `:${chain} - [0:0]`;
}

function buildLocalDetector(config: ProxierConfig, family: IpFamilyName, nodePodCIDRs: readonly string[], messages: GeneratorMessage[]): LocalDetector {
  const d = config.localDetector;
  const fromCIDRs = (cidrs: readonly string[], what: string): LocalDetector => {
    for (const s of cidrs) {
      const c = parseCIDRSloppy(s.trim());
      if (!c) {
        if (s.trim() !== '') messages.push({ severity: 'warning', message: `${what} ${JSON.stringify(s)} is not a CIDR; ignored` });
        continue;
      }
      if (c.family === family) {
        const cidr = formatCIDR(c);
        return { ifLocal: `-s ${cidr}`, ifNotLocal: `! -s ${cidr}` };
      }
    }
    messages.push({ severity: 'info', message: `no ${what} of family ${family}: no local-traffic detection` });
    return {};
  };
  switch (d.mode) {
    case 'ClusterCIDR':
      return fromCIDRs(d.cidrs, 'cluster CIDR');
    case 'NodeCIDR':
      return fromCIDRs(d.cidrs ?? nodePodCIDRs, 'node pod CIDR');
    case 'BridgeInterface':
      return { ifLocal: `-i ${d.bridgeInterface}`, ifNotLocal: `! -i ${d.bridgeInterface}` };
    case 'InterfaceNamePrefix':
      return { ifLocal: `-i ${d.interfaceNamePrefix}+`, ifNotLocal: `! -i ${d.interfaceNamePrefix}+` };
    default:
      return {};
  }
}

interface NodeFacts {
  readonly zone: string;
  readonly podCIDRs: readonly string[];
  readonly addresses: readonly string[];
}

function findNode(nodes: readonly unknown[] | undefined, nodeName: string): NodeFacts {
  for (const n of nodes ?? []) {
    const o = asRecord(n);
    const meta = asRecord(o?.metadata);
    if (!o || !meta || meta.name !== nodeName) continue;
    const labels = asRecord(meta.labels) ?? {};
    const spec = asRecord(o.spec) ?? {};
    const podCIDRs = Array.isArray(spec.podCIDRs) ? spec.podCIDRs.filter((x): x is string => typeof x === 'string') : typeof spec.podCIDR === 'string' ? [spec.podCIDR] : [];
    const addrs = Array.isArray(asRecord(o.status)?.addresses) ? (asRecord(o.status)?.addresses as unknown[]) : [];
    const addresses = addrs
      .map((a) => asRecord(a))
      .filter((a) => a?.type === 'InternalIP' || a?.type === 'ExternalIP')
      .map((a) => String(a?.address ?? ''));
    return { zone: typeof labels['topology.kubernetes.io/zone'] === 'string' ? (labels['topology.kubernetes.io/zone'] as string) : '', podCIDRs, addresses };
  }
  return { zone: '', podCIDRs: [], addresses: [] };
}

function sliceServiceKeys(slices: readonly unknown[]): Set<string> {
  const keys = new Set<string>();
  for (const s of slices) {
    const meta = asRecord(asRecord(s)?.metadata);
    const svc = asRecord(meta?.labels)?.['kubernetes.io/service-name'];
    if (typeof svc === 'string') keys.add(`${typeof meta?.namespace === 'string' && meta.namespace ? meta.namespace : 'default'}/${svc}`);
  }
  return keys;
}

/** Generates the iptables-restore input of one kube-proxy full sync for one IP family. */
export function generateRules(input: ProxierInput): GeneratedRules {
  const config = input.config;
  const messages: GeneratorMessage[] = [];
  const family: IpFamilyName = config.ipFamily === 'ipv6' ? 'IPv6' : 'IPv4';
  const isIPv6 = family === 'IPv6';
  const mark = config.masqueradeMark ?? formatMasqueradeMark(config.masqueradeBit);
  const node = findNode(input.nodes, config.nodeName);

  // Node IPs: configured ones first, then the Node object's.
  const nodeIPCandidates = [...config.nodeIPs, ...node.addresses];
  const nodeIP = nodeIPCandidates.map((s) => parseIPSloppy(s)).find((ip) => ip !== undefined && ip.family === family);

  // NodePortAddresses (NewNodePortAddresses): keep CIDRs of this family; none = match all.
  const npaCIDRs: ParsedCIDR[] = [];
  let matchAll = false;
  let containsIPv4Loopback = false;
  {
    const strings: string[] = [];
    for (const s of config.nodePortAddresses) {
      if (s === 'primary') {
        for (const ipStr of nodeIPCandidates) {
          const ip = parseIPSloppy(ipStr);
          if (ip && ip.family === family) strings.push(`${ipStr}/${family === 'IPv4' ? 32 : 128}`);
        }
        continue;
      }
      const c = parseCIDRSloppy(s);
      if (!c) {
        messages.push({ severity: 'warning', message: `nodePortAddresses entry ${JSON.stringify(s)} is not a CIDR; ignored` });
        continue;
      }
      if (c.family === family) strings.push(s);
    }
    if (strings.length === 0) strings.push(family === 'IPv4' ? '0.0.0.0/0' : '::/0');
    for (const s of strings) {
      const c = parseCIDRSloppy(s);
      if (!c) continue;
      if (c.family === 'IPv4' && (c.ip.bytes[12] === 127 || cidrContains(c, parseIPSloppy('127.0.0.1')!))) containsIPv4Loopback = true;
      if (c.prefix === 0) {
        npaCIDRs.length = 0;
        npaCIDRs.push(c);
        matchAll = true;
        break;
      }
      npaCIDRs.push(c);
    }
  }
  // NewProxier turns localhost NodePorts off when nodePortAddresses cannot match 127.0.0.1.
  const localhostNodePorts = config.localhostNodePorts && containsIPv4Loopback;
  const detector = buildLocalDetector(config, family, node.podCIDRs, messages);

  // Service-port hashes are computed once per port (ServicePortInfo.hash); SEP names once per endpoint.
  const chainFor = endpointChainName;

  const services = buildServicePortMap(input.services, family, config.featureGates, messages);
  let slices = input.endpointSlices;
  if (input.endpoints && input.endpoints.length > 0) {
    const have = sliceServiceKeys(slices);
    const legacy = input.endpoints.filter((e) => {
      const meta = asRecord(asRecord(e)?.metadata);
      const key = `${typeof meta?.namespace === 'string' && meta.namespace ? meta.namespace : 'default'}/${String(meta?.name ?? '')}`;
      return !have.has(key);
    });
    if (legacy.length > 0) slices = [...slices, ...convertEndpointsToSlices(legacy)];
  }
  const endpointsMap = buildEndpointsMap(slices, family, config.nodeName, config.featureGates, chainFor, messages);

  const filterChains = new LineBuffer();
  const filterRules = new LineBuffer();
  const natChains = new LineBuffer();
  const natRules = new LineBuffer();

  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filterChains.write(chainLine(c));
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) natChains.write(chainLine(c));

  natRules.write(`-A ${KUBE_POSTROUTING} -m mark ! --mark ${mark}/${mark} -j RETURN`);
  natRules.write(`-A ${KUBE_POSTROUTING} -j MARK --xor-mark ${mark}`);
  natRules.write(`-A ${KUBE_POSTROUTING} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${config.hasRandomFully ? ' --random-fully' : ''}`);
  natRules.write(`-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${mark}`);

  if (!isIPv6 && localhostNodePorts) {
    filterChains.write(chainLine(KUBE_FIREWALL));
    filterRules.write(`-A ${KUBE_FIREWALL} -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
  }

  let totalEndpoints = 0;
  for (const svc of services) totalEndpoints += endpointsMap.get(svc.key)?.length ?? 0;
  const largeClusterMode = totalEndpoints > config.largeClusterEndpointsThreshold;

  let noLocalInternal = 0;
  let noLocalExternal = 0;

  // The metadata is built as the rules are written, with line numbers counted within their
  // section (chain declarations: natChains; chain rules: natRules; shared rules: filterRules or
  // natRules); `restore` line numbers are only known once every section is complete, so the
  // sections' first lines are added at the end (see "Turn section-local line numbers" below).
  interface MutableRange {
    start: number;
    end: number;
  }
  interface MutableChainLines {
    readonly table: 'nat';
    readonly chain: string;
    readonly kind: ChainKind;
    declarationLine: number;
    readonly ranges: MutableRange[];
  }
  interface MutableSharedRuleLine {
    readonly table: 'filter' | 'nat';
    readonly chain: string;
    line: number;
  }
  const servicePorts: GeneratedServicePort[] = [];
  const allChainLines: MutableChainLines[] = [];
  const allSharedLines: MutableSharedRuleLine[] = [];

  // Per-service-port state the helpers below write into (helpers made once, not per port).
  let shared: MutableSharedRuleLine[] = [];
  let chains: MutableChainLines[] = [];
  /** Starts a rule of `chain` in a shared chain (filter or nat) and records its line; the caller finishes the line. */
  const startShared = (table: 'filter' | 'nat', chain: string): LineBuffer => {
    const buffer = table === 'filter' ? filterRules : natRules;
    const s: MutableSharedRuleLine = { table, chain, line: buffer.lines };
    shared.push(s);
    allSharedLines.push(s);
    return buffer.add('-A ').add(chain);
  };
  const openChain = (kind: ChainKind, chain: string): MutableChainLines => {
    const c: MutableChainLines = { table: 'nat', chain, kind, declarationLine: natChains.lines, ranges: [{ start: natRules.lines, end: natRules.lines }] };
    natChains.add(':').add(chain).add(' - [0:0]').end();
    chains.push(c);
    allChainLines.push(c);
    return c;
  };
  const closeChain = (c: MutableChainLines): void => {
    c.ranges[c.ranges.length - 1].end = natRules.lines;
  };
  /** `-A <chain>` plus, outside large-cluster mode, ` -m comment --comment "<name> -> <endpoint>"`. */
  const startEndpointRule = (chain: string, name: string, endpoint: string): LineBuffer => {
    natRules.add('-A ').add(chain);
    if (!largeClusterMode) natRules.add(' -m comment --comment "').add(name).add(' -> ').add(endpoint).add('"');
    return natRules;
  };
  const writeServiceToEndpointRules = (svc: ServicePortInfo, svcChain: string, endpoints: readonly EndpointInfo[]): void => {
    const name = svc.svcPortName;
    if (svc.sessionAffinityClientIP) {
      for (const ep of endpoints) {
        // -A <svcChain> [-m comment --comment "<name> -> <ep>"] -m recent --name <sepChain> --rcheck --seconds <sticky> --reap -j <sepChain>
        startEndpointRule(svcChain, name, ep.str).add(' -m recent --name ').add(ep.chain).add(' --rcheck --seconds ').addUint(svc.stickyMaxAgeSeconds)
          .add(' --reap -j ').add(ep.chain).end();
      }
    }
    const n = endpoints.length;
    for (let i = 0; i < n; i++) {
      const ep = endpoints[i];
      // -A <svcChain> [-m comment --comment "<name> -> <ep>"] [-m statistic --mode random --probability <p>] -j <sepChain>
      startEndpointRule(svcChain, name, ep.str);
      if (i < n - 1) natRules.add(' -m statistic --mode random --probability ').add(computeProbability(n - i));
      natRules.add(' -j ').add(ep.chain).end();
    }
  };
  /** The internal masquerade rule (lines start..end) was written before its chain's declaration; count it in. */
  const claimInternalMasq = (c: MutableChainLines, start: number, end: number): void => {
    if (end === start) return;
    const main = c.ranges[0];
    if (end === main.start) main.start = start;
    else c.ranges.unshift({ start, end });
  };

  // One service port: a function of its own rather than the body of the loop below, so V8 can
  // optimize it after a few calls instead of replacing one long-running loop on the stack.
  const writeServicePort = (svc: ServicePortInfo): void => {
    const protoMatch = protocolMatch(svc.protocolLower);
    const name = svc.svcPortName;
    const all = endpointsMap.get(svc.key) ?? [];
    const cats = categorizeEndpoints(all, svc, config.nodeName, node.zone, config.featureGates);
    const clusterPolicyChain = 'KUBE-SVC-' + svc.hash;
    const localPolicyChain = 'KUBE-SVL-' + svc.hash;
    const externalTrafficChain = 'KUBE-EXT-' + svc.hash;
    const fwChain = 'KUBE-FW-' + svc.hash;
    const usesClusterPolicyChain = cats.cluster.length > 0 && (!svc.internalPolicyLocal || externallyAccessible(svc));
    const usesLocalPolicyChain = cats.local.length > 0 && usesLocalEndpoints(svc);
    const hasEndpoints = cats.hasAny;

    let internalTrafficChain = clusterPolicyChain;
    let hasInternalEndpoints = hasEndpoints;
    if (svc.internalPolicyLocal) {
      internalTrafficChain = localPolicyChain;
      if (cats.local.length === 0) hasInternalEndpoints = false;
    }
    let externalPolicyChain = clusterPolicyChain;
    let hasExternalEndpoints = hasEndpoints;
    if (svc.externalPolicyLocal) {
      externalPolicyChain = localPolicyChain;
      if (cats.local.length === 0) hasExternalEndpoints = false;
    }
    const usesExternalTrafficChain = hasEndpoints && externallyAccessible(svc);
    const usesFWChain = hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
    const loadBalancerTrafficChain = usesFWChain ? fwChain : externalTrafficChain;

    let internalFilterTarget = '';
    let internalFilterComment = '';
    let externalFilterTarget = '';
    let externalFilterComment = '';
    if (!hasEndpoints) {
      internalFilterTarget = 'REJECT';
      internalFilterComment = `"${name} has no endpoints"`;
      externalFilterTarget = 'REJECT';
      externalFilterComment = internalFilterComment;
    } else {
      if (!hasInternalEndpoints) {
        internalFilterTarget = 'DROP';
        internalFilterComment = `"${name} has no local endpoints"`;
        noLocalInternal++;
      }
      if (!hasExternalEndpoints) {
        externalFilterTarget = 'DROP';
        externalFilterComment = `"${name} has no local endpoints"`;
        noLocalExternal++;
      }
    }

    shared = [];
    chains = [];
    // Rules are written piece by piece (LineBuffer.add) rather than as template strings; each
    // comment names the line being written.

    // Cluster IP.
    if (hasInternalEndpoints) {
      // -A KUBE-SERVICES -m comment --comment "<name> cluster IP" -m <proto> -p <proto> -d <clusterIP> --dport <port> -j <internalTrafficChain>
      startShared('nat', KUBE_SERVICES).add(' -m comment --comment "').add(name).add(' cluster IP"').add(protoMatch)
        .add(' -d ').add(svc.clusterIP).add(' --dport ').addUint(svc.port).add(' -j ').add(internalTrafficChain).end();
    } else {
      // -A KUBE-SERVICES -m comment --comment <internalFilterComment> -m <proto> -p <proto> -d <clusterIP> --dport <port> -j <internalFilterTarget>
      startShared('filter', KUBE_SERVICES).add(' -m comment --comment ').add(internalFilterComment).add(protoMatch)
        .add(' -d ').add(svc.clusterIP).add(' --dport ').addUint(svc.port).add(' -j ').add(internalFilterTarget).end();
    }
    // External IPs.
    for (const ip of svc.externalIPs) {
      if (hasEndpoints) {
        // -A KUBE-SERVICES -m comment --comment "<name> external IP" -m <proto> -p <proto> -d <ip> --dport <port> -j <externalTrafficChain>
        startShared('nat', KUBE_SERVICES).add(' -m comment --comment "').add(name).add(' external IP"').add(protoMatch)
          .add(' -d ').add(ip).add(' --dport ').addUint(svc.port).add(' -j ').add(externalTrafficChain).end();
      }
      if (!hasExternalEndpoints) {
        // -A KUBE-EXTERNAL-SERVICES -m comment --comment <externalFilterComment> -m <proto> -p <proto> -d <ip> --dport <port> -j <externalFilterTarget>
        startShared('filter', KUBE_EXTERNAL_SERVICES).add(' -m comment --comment ').add(externalFilterComment).add(protoMatch)
          .add(' -d ').add(ip).add(' --dport ').addUint(svc.port).add(' -j ').add(externalFilterTarget).end();
      }
    }
    // Load-balancer ingress IPs.
    for (const ip of svc.loadBalancerVIPs) {
      if (hasEndpoints) {
        // -A KUBE-SERVICES -m comment --comment "<name> loadbalancer IP" -m <proto> -p <proto> -d <ip> --dport <port> -j <loadBalancerTrafficChain>
        startShared('nat', KUBE_SERVICES).add(' -m comment --comment "').add(name).add(' loadbalancer IP"').add(protoMatch)
          .add(' -d ').add(ip).add(' --dport ').addUint(svc.port).add(' -j ').add(loadBalancerTrafficChain).end();
      }
      if (usesFWChain) {
        // -A KUBE-PROXY-FIREWALL -m comment --comment "<name> traffic not accepted by <fwChain>" -m <proto> -p <proto> -d <ip> --dport <port> -j DROP
        startShared('filter', KUBE_PROXY_FIREWALL).add(' -m comment --comment "').add(name).add(' traffic not accepted by ').add(fwChain).add('"').add(protoMatch)
          .add(' -d ').add(ip).add(' --dport ').addUint(svc.port).add(' -j DROP').end();
      }
    }
    if (!hasExternalEndpoints) {
      for (const ip of svc.loadBalancerVIPs) {
        // -A KUBE-EXTERNAL-SERVICES -m comment --comment <externalFilterComment> -m <proto> -p <proto> -d <ip> --dport <port> -j <externalFilterTarget>
        startShared('filter', KUBE_EXTERNAL_SERVICES).add(' -m comment --comment ').add(externalFilterComment).add(protoMatch)
          .add(' -d ').add(ip).add(' --dport ').addUint(svc.port).add(' -j ').add(externalFilterTarget).end();
      }
    }
    // NodePort.
    if (svc.nodePort !== 0) {
      if (hasEndpoints) {
        if (localhostNodePorts && !isIPv6 && config.nfacctCounters.localhost_nps_accepted_pkts) {
          // -A KUBE-NODEPORTS -m comment --comment <name> -m <proto> -p <proto> -d 127.0.0.0/8 --dport <nodePort> -m nfacct --nfacct-name localhost_nps_accepted_pkts -j <externalTrafficChain>
          startShared('nat', KUBE_NODEPORTS).add(' -m comment --comment ').add(name).add(protoMatch).add(' -d 127.0.0.0/8 --dport ')
            .addUint(svc.nodePort).add(' -m nfacct --nfacct-name ').add(LOCALHOST_NPS_COUNTER).add(' -j ').add(externalTrafficChain).end();
        }
        // -A KUBE-NODEPORTS -m comment --comment <name> -m <proto> -p <proto> --dport <nodePort> -j <externalTrafficChain>
        startShared('nat', KUBE_NODEPORTS).add(' -m comment --comment ').add(name).add(protoMatch).add(' --dport ')
          .addUint(svc.nodePort).add(' -j ').add(externalTrafficChain).end();
      }
      if (!hasExternalEndpoints) {
        // -A KUBE-EXTERNAL-SERVICES -m comment --comment <externalFilterComment> -m addrtype --dst-type LOCAL -m <proto> -p <proto> --dport <nodePort> -j <externalFilterTarget>
        startShared('filter', KUBE_EXTERNAL_SERVICES).add(' -m comment --comment ').add(externalFilterComment).add(' -m addrtype --dst-type LOCAL').add(protoMatch)
          .add(' --dport ').addUint(svc.nodePort).add(' -j ').add(externalFilterTarget).end();
      }
    }
    // Health-check NodePort.
    if (svc.healthCheckNodePort !== 0) {
      // -A KUBE-NODEPORTS -m comment --comment "<name> health check node port" -m tcp -p tcp --dport <healthCheckNodePort> -j ACCEPT
      startShared('filter', KUBE_NODEPORTS).add(' -m comment --comment "').add(name).add(' health check node port" -m tcp -p tcp --dport ')
        .addUint(svc.healthCheckNodePort).add(' -j ACCEPT').end();
    }

    // Internal traffic: masquerade off-cluster (or all) traffic to the cluster IP. These rules
    // belong to the SVC/SVL chain, which is declared further down.
    const internalMasqStart = natRules.lines;
    if (hasInternalEndpoints && (config.masqueradeAll || detector.ifNotLocal)) {
      // -A <internalTrafficChain> -m comment --comment "<name> cluster IP" -m <proto> -p <proto> -d <clusterIP> --dport <port> [<ifNotLocal>] -j KUBE-MARK-MASQ
      natRules.add('-A ').add(internalTrafficChain).add(' -m comment --comment "').add(name).add(' cluster IP"').add(protoMatch)
        .add(' -d ').add(svc.clusterIP).add(' --dport ').addUint(svc.port);
      if (!config.masqueradeAll) natRules.add(' ').add(detector.ifNotLocal!);
      natRules.add(' -j ').add(KUBE_MARK_MASQ).end();
    }
    const internalMasqEnd = natRules.lines;

    if (usesExternalTrafficChain) {
      const pc = openChain('EXT', externalTrafficChain);
      if (!svc.externalPolicyLocal) {
        natRules.write(`-A ${externalTrafficChain} -m comment --comment "masquerade traffic for ${name} external destinations" -j ${KUBE_MARK_MASQ}`);
      } else {
        if (detector.ifLocal) {
          natRules.write(`-A ${externalTrafficChain} -m comment --comment "pod traffic for ${name} external destinations" ${detector.ifLocal} -j ${clusterPolicyChain}`);
        }
        natRules.write(`-A ${externalTrafficChain} -m comment --comment "masquerade LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}`);
        natRules.write(`-A ${externalTrafficChain} -m comment --comment "route LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${clusterPolicyChain}`);
      }
      if (hasExternalEndpoints) natRules.write(`-A ${externalTrafficChain} -j ${externalPolicyChain}`);
      closeChain(pc);
    }

    if (usesFWChain) {
      const pc = openChain('FW', fwChain);
      const head = `-A ${fwChain} -m comment --comment "${name} loadbalancer IP"`;
      let allowFromNode = false;
      for (const cidr of svc.loadBalancerSourceRanges) {
        natRules.write(`${head} -s ${formatCIDR(cidr)} -j ${externalTrafficChain}`);
        if (nodeIP && cidrContains(cidr, nodeIP)) allowFromNode = true;
      }
      if (allowFromNode) {
        for (const ip of svc.loadBalancerVIPs) natRules.write(`${head} -s ${ip} -j ${externalTrafficChain}`);
      }
      natRules.write(`-A ${fwChain} -m comment --comment "other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL"`);
      closeChain(pc);
    }

    if (usesClusterPolicyChain) {
      const pc = openChain('SVC', clusterPolicyChain);
      if (internalTrafficChain === clusterPolicyChain) claimInternalMasq(pc, internalMasqStart, internalMasqEnd);
      writeServiceToEndpointRules(svc, clusterPolicyChain, cats.cluster);
      closeChain(pc);
    }
    if (usesLocalPolicyChain) {
      const pc = openChain('SVL', localPolicyChain);
      if (internalTrafficChain === localPolicyChain) claimInternalMasq(pc, internalMasqStart, internalMasqEnd);
      writeServiceToEndpointRules(svc, localPolicyChain, cats.local);
      closeChain(pc);
    }
    for (const ep of cats.allReachable) {
      const pc = openChain('SEP', ep.chain);
      // -A <sepChain> [-m comment --comment <name>] -s <ip> -j KUBE-MARK-MASQ
      natRules.add('-A ').add(ep.chain);
      if (!largeClusterMode) natRules.add(' -m comment --comment ').add(name);
      natRules.add(' -s ').add(ep.ip).add(' -j ').add(KUBE_MARK_MASQ).end();
      // -A <sepChain> [-m comment --comment <name>] [-m recent --name <sepChain> --set] -m <proto> -p <proto> -j DNAT --to-destination <ep>
      natRules.add('-A ').add(ep.chain);
      if (!largeClusterMode) natRules.add(' -m comment --comment ').add(name);
      if (svc.sessionAffinityClientIP) natRules.add(' -m recent --name ').add(ep.chain).add(' --set');
      natRules.add(protoMatch).add(' -j DNAT --to-destination ').add(ep.str).end();
      closeChain(pc);
    }

    const used = { svc: usesClusterPolicyChain, svl: usesLocalPolicyChain, ext: usesExternalTrafficChain, fw: usesFWChain };
    // cats.allReachable is a subsequence of `all` (both sorted by endpoint string, which is
    // unique), so one walk finds the programmed endpoints without a Set per port.
    const reachable = cats.allReachable;
    let next = 0;
    const endpoints: GeneratedEndpoint[] = new Array(all.length);
    for (let i = 0; i < all.length; i++) {
      const e = all[i];
      const programmed = next < reachable.length && reachable[next].str === e.str;
      if (programmed) next++;
      endpoints[i] = {
        endpoint: e.str,
        ip: e.ip,
        port: e.port,
        chain: e.chain,
        nodeName: e.nodeName,
        local: e.local,
        ready: e.ready,
        serving: e.serving,
        terminating: e.terminating,
        programmed,
      };
    }
    servicePorts.push({
      namespace: svc.namespace,
      name: svc.name,
      portName: svc.portName,
      protocol: svc.protocol,
      svcPortName: svc.svcPortName,
      clusterIP: svc.clusterIP,
      port: svc.port,
      nodePort: svc.nodePort,
      healthCheckNodePort: svc.healthCheckNodePort,
      externalIPs: svc.externalIPs,
      loadBalancerIPs: svc.loadBalancerVIPs,
      loadBalancerSourceRanges: svc.loadBalancerSourceRanges.map(formatCIDR),
      chains: { svc: clusterPolicyChain, svl: localPolicyChain, ext: externalTrafficChain, fw: fwChain },
      used,
      endpoints,
      clusterEndpoints: used.svc ? cats.cluster.map(endpointString) : [],
      localEndpoints: used.svl ? cats.local.map(endpointString) : [],
      hasEndpoints: cats.hasAny,
      chainLines: chains,
      sharedRuleLines: shared,
    });
  };
  for (const svc of services) writeServicePort(svc);

  // Delete service chains that exist on the node but are no longer used. (kube-proxy skips this
  // in large-cluster mode until syncPeriod has passed since the last cleanup; with no clock here,
  // it is always done when the existing chains are given.)
  const deletedChains: string[] = [];
  if (input.existingNatChains) {
    const active = new Set<string>();
    for (const c of allChainLines) active.add(c.chain);
    const stale = new Set<string>();
    for (const c of input.existingNatChains) {
      if (!active.has(c) && SERVICE_CHAIN_PREFIXES.some((p) => c.startsWith(p))) stale.add(c);
    }
    for (const c of [...stale].sort()) {
      natChains.write(chainLine(c));
      natRules.write(`-X ${c}`);
      deletedChains.push(c);
    }
  }

  // The tail call to KUBE-NODEPORTS, which must be the last rule in nat KUBE-SERVICES.
  const nodePortsComment = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  if (matchAll) {
    let dest = '-m addrtype --dst-type LOCAL';
    if (isIPv6) dest += ' ! -d ::1/128';
    else if (!localhostNodePorts) dest += ' ! -d 127.0.0.0/8';
    natRules.write(`-A ${KUBE_SERVICES} -m comment --comment ${nodePortsComment} ${dest} -j ${KUBE_NODEPORTS}`);
  } else {
    if (!config.nodeInterfaceAddresses) {
      messages.push({ severity: 'info', message: `node interface addresses assumed: 127.0.0.1/8, ::1/128 and the node IPs (${nodeIPCandidates.join(', ') || 'none'})` });
    }
    const ifaces = config.nodeInterfaceAddresses ?? assumedInterfaces(nodeIPCandidates);
    for (const a of nodeIPsInCIDRs(npaCIDRs, ifaces)) {
      if (a.loopback && (isIPv6 || !localhostNodePorts)) {
        messages.push({ severity: 'info', message: `nodePortAddresses includes ${a.ip}, but localhost NodePorts are ${isIPv6 ? 'not supported on IPv6' : 'disabled'}` });
        continue;
      }
      natRules.write(`-A ${KUBE_SERVICES} -m comment --comment ${nodePortsComment} -d ${a.ip} -j ${KUBE_NODEPORTS}`);
    }
  }

  if (!config.conntrackTCPLiberal) {
    const nfacct = config.nfacctCounters.ct_state_invalid_dropped_pkts ? ` -m nfacct --nfacct-name ${CT_INVALID_COUNTER}` : '';
    filterRules.write(`-A ${KUBE_FORWARD} -m conntrack --ctstate INVALID${nfacct} -j DROP`);
  }
  filterRules.write(`-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`);
  filterRules.write(`-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);

  const restore = concatText(['*filter\n', filterChains, filterRules, 'COMMIT\n*nat\n', natChains, natRules, 'COMMIT\n']);

  // Turn section-local line numbers into `restore` line numbers (0-based; line 0 is `*filter`).
  const filterRulesBase = 1 + filterChains.lines;
  const natChainsBase = filterRulesBase + filterRules.lines + 2;
  const natRulesBase = natChainsBase + natChains.lines;
  for (const c of allChainLines) {
    c.declarationLine += natChainsBase;
    for (const r of c.ranges) {
      r.start += natRulesBase;
      r.end += natRulesBase;
    }
  }
  for (const s of allSharedLines) s.line += s.table === 'filter' ? filterRulesBase : natRulesBase;

  return {
    restore,
    ipFamily: family,
    servicePorts,
    noLocalEndpoints: { internal: noLocalInternal, external: noLocalExternal },
    largeClusterMode,
    totalEndpoints,
    deletedChains,
    masqueradeMark: mark,
    messages,
  };
}

/**
 * Both families, as kube-proxy's dual-stack meta-proxier runs them: the IPv6 proxier never has
 * localhost NodePorts.
 */
export function generateDualStackRules(input: ProxierInput): { readonly ipv4: GeneratedRules; readonly ipv6: GeneratedRules } {
  return {
    ipv4: generateRules({ ...input, config: { ...input.config, ipFamily: 'ipv4' } }),
    ipv6: generateRules({ ...input, config: { ...input.config, ipFamily: 'ipv6', localhostNodePorts: false } }),
  };
}

/** Without configured interface addresses: loopback plus the node IPs (assumed /32 and /128). */
function assumedInterfaces(nodeIPs: readonly string[]): Record<string, readonly string[]> {
  return {
    lo: ['127.0.0.1/8', '::1/128'],
    eth0: nodeIPs.map((ip) => `${ip}/${ip.includes(':') ? 128 : 32}`),
  };
}
