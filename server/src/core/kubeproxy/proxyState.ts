/**
 * What kube-proxy's change trackers make of the API objects before a sync: the service-port map
 * (pkg/proxy serviceport/servicechangetracker) and the endpoints map (endpointslicecache), for
 * one IP family. Ported from the v1.32/v1.33 sources' behaviour; inputs are plain JSON.
 */
import { canonicalIPString, cidrContains, formatCIDR, formatIP, parseCIDRSloppy, parseIPSloppy, type IpFamilyName, type ParsedCIDR } from './ip';
import { endpointChainName, formatServicePortName, hashServicePort, lowerProtocol } from './chainNames';
import type { FeatureGates, GeneratorMessage } from './types';

export interface ServicePortInfo {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly portName: string;
  readonly protocol: string;
  readonly protocolLower: string;
  readonly svcPortName: string;
  readonly hash: string;
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort: number;
  readonly sessionAffinityClientIP: boolean;
  readonly stickyMaxAgeSeconds: number;
  readonly externalIPs: readonly string[];
  readonly loadBalancerVIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly ParsedCIDR[];
  readonly healthCheckNodePort: number;
  readonly externalPolicyLocal: boolean;
  readonly internalPolicyLocal: boolean;
}

export interface EndpointInfo {
  readonly ip: string;
  readonly port: number;
  /** `ip:port` / `[ip]:port`: kube-proxy's Endpoint.String(). */
  readonly str: string;
  readonly chain: string;
  readonly nodeName?: string;
  readonly local: boolean;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly zoneHints?: ReadonlySet<string>;
  readonly nodeHints?: ReadonlySet<string>;
}

type Obj = Record<string, unknown>;

export function asRecord(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}
/** One shared empty array for absent lists (most fields of most objects are absent). */
const NONE: readonly never[] = Object.freeze([]);
const NO_FIELDS: Readonly<Obj> = Object.freeze({});
function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : NONE;
}
function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function asInt(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) ? v : 0;
}

export function serviceKey(namespace: string, name: string, portName: string, protocol: string): string {
  return `${namespace}/${name}\u0000${portName}\u0000${protocol}`;
}

function metaOf(o: Obj): { namespace: string; name: string; labels: Obj } {
  const meta = asRecord(o.metadata) ?? {};
  return { namespace: asString(meta.namespace) || 'default', name: asString(meta.name) ?? '', labels: asRecord(meta.labels) ?? {} };
}

function isIPv6String(s: string): boolean {
  // The canonical text has a colon exactly for IPv6 (canonicalIPString).
  return canonicalIPString(s)?.includes(':') === true;
}

/** proxyutil.GetClusterIPByFamily. */
function clusterIPByFamily(family: IpFamilyName, spec: Obj): string {
  const families = asArray(spec.ipFamilies);
  if (families.length === 0) {
    const cip = asString(spec.clusterIP) ?? '';
    if (cip === '' || cip === 'None') return '';
    return (family === 'IPv6') === isIPv6String(cip) ? cip : '';
  }
  const ips = asArray(spec.clusterIPs);
  for (let i = 0; i < families.length; i++) {
    if (asString(families[i]) === family && i < ips.length) return asString(ips[i]) ?? '';
  }
  return '';
}

/** Builds the service-port map of one family, services ordered by namespace/name, ports in spec order. */
export function buildServicePortMap(services: readonly unknown[], family: IpFamilyName, gates: FeatureGates, messages: GeneratorMessage[]): ServicePortInfo[] {
  const entries: { ns: string; name: string; o: Obj }[] = [];
  for (const s of services) {
    const o = asRecord(s);
    if (!o) continue;
    const meta = asRecord(o.metadata);
    entries.push({ ns: asString(meta?.namespace) || 'default', name: asString(meta?.name) ?? '', o });
  }
  entries.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const byKey = new Map<string, ServicePortInfo>();
  let prev: { ns: string; name: string } | undefined;
  for (const entry of entries) {
    const { ns, name, o } = entry;
    // The `ns/name` string is only built for messages. The sort is stable and keeps equal
    // namespace/name pairs together, so comparing with the previous entry finds duplicates.
    if (prev && prev.ns === ns && prev.name === name) messages.push({ severity: 'warning', message: 'more than one Service with this namespace/name; the last one wins', object: `${ns}/${name}` });
    prev = entry;
    addServicePorts(ns, name, o, family, gates, messages, byKey);
  }
  return [...byKey.values()];
}

/** One Service (namespace/name `ns`/`name`, object `o`): its ports of `family` into `byKey`. A function of its own so V8 optimizes it early. */
function addServicePorts(ns: string, name: string, o: Obj, family: IpFamilyName, gates: FeatureGates, messages: GeneratorMessage[], byKey: Map<string, ServicePortInfo>): void {
  const spec = asRecord(o.spec) ?? {};
  const type = asString(spec.type) ?? '';
  const specClusterIP = asString(spec.clusterIP) ?? '';
  // ShouldSkipService: headless, no cluster IP, ExternalName.
  if (specClusterIP === 'None' || specClusterIP === '') return;
  if (type === 'ExternalName') return;
  const clusterIPString = clusterIPByFamily(family, spec);
  if (clusterIPString === '') return;
  const clusterIP = canonicalIPString(clusterIPString);
  if (clusterIP === undefined) {
    messages.push({ severity: 'error', message: `clusterIP ${JSON.stringify(clusterIPString)} is not an IP address; service skipped`, object: `${ns}/${name}` });
    return;
  }

  const etp = asString(spec.externalTrafficPolicy) ?? '';
  const itp = asString(spec.internalTrafficPolicy);
  const externallyAccessibleService = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && asArray(spec.externalIPs).length > 0);
  const externalPolicyLocal = externallyAccessibleService && etp === 'Local';
  const internalPolicyLocal = itp === 'Local';
  const affinity = asString(spec.sessionAffinity) ?? '';
  const sessionAffinityClientIP = affinity === 'ClientIP';
  let sticky = 0;
  if (sessionAffinityClientIP) {
    const t = asRecord(asRecord(asRecord(spec.sessionAffinityConfig)?.clientIP))?.timeoutSeconds;
    // The API server defaults timeoutSeconds to 10800 (3 hours).
    sticky = typeof t === 'number' && Number.isInteger(t) ? t : 10800;
  }

  const externalIPs: string[] = [];
  for (const raw of asArray(spec.externalIPs)) {
    const s = asString(raw) ?? '';
    const ip = parseIPSloppy(s);
    if (!ip) {
      if (s.trim() !== '') messages.push({ severity: 'warning', message: `externalIP ${JSON.stringify(s)} is not an IP address; skipped`, object: `${ns}/${name}` });
      continue;
    }
    if (ip.family === family) externalIPs.push(formatIP(ip));
  }
  const sourceRanges: ParsedCIDR[] = [];
  for (const raw of asArray(spec.loadBalancerSourceRanges)) {
    const s = (asString(raw) ?? '').trim();
    const c = parseCIDRSloppy(s);
    if (!c) {
      if (s !== '') messages.push({ severity: 'warning', message: `loadBalancerSourceRanges entry ${JSON.stringify(s)} is not a CIDR; skipped`, object: `${ns}/${name}` });
      continue;
    }
    if (c.family === family) sourceRanges.push(c);
  }
  const lbVIPs: string[] = [];
  const ingress = asArray(asRecord(asRecord(o.status)?.loadBalancer)?.ingress);
  for (const ingRaw of ingress) {
    const ing = asRecord(ingRaw);
    if (!ing) continue;
    const ipStr = asString(ing.ip) ?? '';
    if (ipStr === '') continue;
    const ipMode = asString(ing.ipMode);
    if (gates.LoadBalancerIPMode && ipMode !== undefined && ipMode !== 'VIP') continue;
    const ip = parseIPSloppy(ipStr);
    if (!ip) {
      messages.push({ severity: 'warning', message: `load balancer ingress IP ${JSON.stringify(ipStr)} is not an IP address; skipped`, object: `${ns}/${name}` });
      continue;
    }
    if (ip.family === family) lbVIPs.push(formatIP(ip));
  }
  let hcnp = 0;
  if (type === 'LoadBalancer' && externalPolicyLocal) {
    hcnp = asInt(spec.healthCheckNodePort);
    if (hcnp === 0) messages.push({ severity: 'warning', message: 'Service has no healthCheckNodePort', object: `${ns}/${name}` });
  }

  for (const pRaw of asArray(spec.ports)) {
    const p = asRecord(pRaw);
    if (!p) continue;
    const portName = asString(p.name) ?? '';
    const protocol = asString(p.protocol) ?? 'TCP';
    const svcPortName = formatServicePortName(ns, name, portName);
    const key = serviceKey(ns, name, portName, protocol);
    byKey.set(key, {
      key,
      namespace: ns,
      name,
      portName,
      protocol,
      protocolLower: lowerProtocol(protocol),
      svcPortName,
      hash: hashServicePort(svcPortName, protocol),
      clusterIP,
      port: asInt(p.port),
      nodePort: asInt(p.nodePort),
      sessionAffinityClientIP,
      stickyMaxAgeSeconds: sticky,
      externalIPs,
      loadBalancerVIPs: lbVIPs,
      loadBalancerSourceRanges: sourceRanges,
      healthCheckNodePort: hcnp,
      externalPolicyLocal,
      internalPolicyLocal,
    });
  }
}

interface SliceLike {
  readonly namespace: string;
  readonly service: string;
  readonly name: string;
  readonly addressType: string;
  readonly endpoints: readonly unknown[];
  readonly ports: readonly unknown[];
}

function readSlice(s: unknown): SliceLike | undefined {
  const o = asRecord(s);
  if (!o) return undefined;
  // metaOf without its object: this runs once per slice.
  const meta = asRecord(o.metadata);
  const namespace = asString(meta?.namespace) || 'default';
  const name = asString(meta?.name) ?? '';
  const service = asString(asRecord(meta?.labels)?.['kubernetes.io/service-name']) ?? '';
  if (service === '' || name === '') return undefined;
  return { namespace, service, name, addressType: asString(o.addressType) ?? '', endpoints: asArray(o.endpoints), ports: asArray(o.ports) };
}

/**
 * Converts legacy v1 Endpoints to EndpointSlice-shaped objects, as the EndpointSlice mirroring
 * controller does: one slice per subset and address family, `addresses` ready, `notReadyAddresses` not ready.
 */
export function convertEndpointsToSlices(endpoints: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const e of endpoints) {
    const o = asRecord(e);
    if (!o) continue;
    const { namespace, name } = metaOf(o);
    if (name === '') continue;
    asArray(o.subsets).forEach((subRaw, i) => {
      const sub = asRecord(subRaw);
      if (!sub) return;
      const byFamily = new Map<string, unknown[]>();
      const add = (aRaw: unknown, ready: boolean): void => {
        const a = asRecord(aRaw);
        const ip = asString(a?.ip);
        if (!a || !ip) return;
        const fam = parseIPSloppy(ip)?.family ?? 'IPv4';
        const list = byFamily.get(fam) ?? [];
        const ep: Record<string, unknown> = { addresses: [ip], conditions: { ready } };
        if (asString(a.nodeName)) ep.nodeName = a.nodeName;
        list.push(ep);
        byFamily.set(fam, list);
      };
      for (const a of asArray(sub.addresses)) add(a, true);
      for (const a of asArray(sub.notReadyAddresses)) add(a, false);
      const ports = asArray(sub.ports).map((pRaw) => {
        const p = asRecord(pRaw) ?? {};
        return { name: asString(p.name) ?? '', port: asInt(p.port), protocol: asString(p.protocol) ?? 'TCP' };
      });
      for (const [fam, eps] of byFamily) {
        out.push({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { namespace, name: `${name}-mirrored-${i}-${fam.toLowerCase()}`, labels: { 'kubernetes.io/service-name': name } },
          addressType: fam,
          endpoints: eps,
          ports,
        });
      }
    });
  }
  return out;
}

/** Service keys -> endpoints sorted by `ip:port` (byEndpoint), built like EndpointSliceCache for one family. */
export function buildEndpointsMap(
  slices: readonly unknown[],
  family: IpFamilyName,
  nodeName: string,
  gates: FeatureGates,
  chainFor: (svcPortName: string, protocol: string, endpoint: string) => string,
  messages: GeneratorMessage[],
): Map<string, EndpointInfo[]> {
  const parsed: SliceLike[] = [];
  for (const raw of slices) {
    const slice = readSlice(raw);
    if (slice !== undefined && slice.addressType === family) parsed.push(slice);
  }
  parsed.sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Endpoints per service key in slice order. EndpointSliceCache keeps one endpoint per `ip:port`
  // (a later slice replaces an earlier one unless the later one is terminating); instead of a Map
  // per service port, duplicates are folded after the sort below, which gives the same result.
  const lists = new Map<string, EndpointInfo[]>();
  for (const slice of parsed) {
    for (const pRaw of slice.ports) {
      const p = asRecord(pRaw);
      if (!p) continue;
      // The API defaults a missing port name to "" and protocol to TCP.
      const portName = p.name === undefined || p.name === null ? '' : asString(p.name);
      if (portName === undefined) continue;
      const portNum = asInt(p.port);
      if (portNum === 0) {
        messages.push({ severity: 'warning', message: `EndpointSlice port ${JSON.stringify(portName)} has no port number; ignored`, object: `${slice.namespace}/${slice.name}` });
        continue;
      }
      const protocol = asString(p.protocol) ?? 'TCP';
      const key = serviceKey(slice.namespace, slice.service, portName, protocol);
      const svcPortName = formatServicePortName(slice.namespace, slice.service, portName);
      let list = lists.get(key);
      if (!list) {
        list = [];
        lists.set(key, list);
      }
      addSliceEndpoints(slice, svcPortName, protocol, portNum, list, nodeName, gates, chainFor, messages);
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, list] of lists) {
    if (list.length === 0) continue;
    // A stable sort keeps same-`ip:port` endpoints in slice order; fold each run as the cache
    // would have, one after the other: the later one wins unless it is terminating.
    sortByEndpointString(list);
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const ep = list[i];
      if (kept > 0 && list[kept - 1].str === ep.str) {
        if (!ep.terminating) list[kept - 1] = ep;
      } else list[kept++] = ep;
    }
    list.length = kept;
    out.set(key, list);
  }
  return out;
}

/** The endpoints of one slice for one of its ports, appended to `list` (a function of its own so V8 optimizes it early). */
function addSliceEndpoints(
  slice: SliceLike,
  svcPortName: string,
  protocol: string,
  portNum: number,
  list: EndpointInfo[],
  nodeName: string,
  gates: FeatureGates,
  chainFor: (svcPortName: string, protocol: string, endpoint: string) => string,
  messages: GeneratorMessage[],
): void {
  for (const eRaw of slice.endpoints) {
    const e = asRecord(eRaw);
    if (!e) continue;
    const addrs = asArray(e.addresses);
    if (addrs.length === 0) continue;
    const first = asString(addrs[0]) ?? '';
    const ipStr = canonicalIPString(first);
    if (ipStr === undefined) {
      messages.push({ severity: 'warning', message: `endpoint address ${JSON.stringify(first)} is not an IP address; skipped`, object: `${slice.namespace}/${slice.name}` });
      continue;
    }
    const conditions = asRecord(e.conditions) ?? NO_FIELDS;
    const epNode = asString(e.nodeName);
    const local = epNode !== undefined && nodeName !== '' && epNode === nodeName;
    const ready = conditions.ready === undefined || conditions.ready === null || conditions.ready === true;
    const serving = conditions.serving === undefined || conditions.serving === null || conditions.serving === true;
    const terminating = conditions.terminating === true;
    const hints = asRecord(e.hints);
    let zoneHints: Set<string> | undefined;
    let nodeHints: Set<string> | undefined;
    if (hints) {
      const zones = asArray(hints.forZones).map((z) => asString(asRecord(z)?.name)).filter((z): z is string => z !== undefined);
      if (zones.length > 0) zoneHints = new Set(zones);
      const nodes = asArray(hints.forNodes).map((z) => asString(asRecord(z)?.name)).filter((z): z is string => z !== undefined);
      if (nodes.length > 0 && gates.PreferSameTrafficDistribution) nodeHints = new Set(nodes);
    }
    // The canonical text has a colon exactly for IPv6 (canonicalIPString).
    const str = ipStr.includes(':') ? `[${ipStr}]:${portNum}` : `${ipStr}:${portNum}`;
    list.push({
      ip: ipStr,
      port: portNum,
      str,
      chain: chainFor(svcPortName, protocol, str),
      nodeName: epNode,
      local,
      ready,
      serving,
      terminating,
      zoneHints,
      nodeHints,
    });
  }
}

function compareEndpointStrings(a: EndpointInfo, b: EndpointInfo): number {
  return a.str < b.str ? -1 : a.str > b.str ? 1 : 0;
}

/**
 * A stable sort by `ip:port`. Most services have a handful of endpoints, and an insertion sort of
 * those costs less than calling Array.prototype.sort (also stable) with a comparator.
 */
function sortByEndpointString(list: EndpointInfo[]): void {
  if (list.length > 16) {
    list.sort(compareEndpointStrings);
    return;
  }
  for (let i = 1; i < list.length; i++) {
    const ep = list[i];
    let j = i - 1;
    while (j >= 0 && list[j].str > ep.str) {
      list[j + 1] = list[j];
      j--;
    }
    list[j + 1] = ep;
  }
}

/** Default chain-name function (uncached). */
export function defaultEndpointChain(svcPortName: string, protocol: string, endpoint: string): string {
  return endpointChainName(svcPortName, protocol, endpoint);
}

export interface CategorizedEndpoints {
  readonly cluster: readonly EndpointInfo[];
  readonly local: readonly EndpointInfo[];
  readonly allReachable: readonly EndpointInfo[];
  readonly hasAny: boolean;
}

export function usesClusterEndpoints(svc: ServicePortInfo): boolean {
  return !svc.internalPolicyLocal || externallyAccessible(svc);
}
export function usesLocalEndpoints(svc: ServicePortInfo): boolean {
  return svc.internalPolicyLocal || (svc.externalPolicyLocal && externallyAccessible(svc));
}
/** The service port's own notion (nodePort, LB VIPs or externalIPs of this family). */
export function externallyAccessible(svc: ServicePortInfo): boolean {
  return svc.nodePort !== 0 || svc.loadBalancerVIPs.length !== 0 || svc.externalIPs.length !== 0;
}

function topologyMode(endpoints: readonly EndpointInfo[], nodeName: string, zone: string, gates: FeatureGates): string {
  let hasForNode = false;
  let allNodeHints = true;
  let hasForZone = false;
  let allZoneHints = true;
  for (const ep of endpoints) {
    if (!ep.ready) continue;
    if (!ep.nodeHints || ep.nodeHints.size === 0) allNodeHints = false;
    else if (ep.nodeHints.has(nodeName)) hasForNode = true;
    if (!ep.zoneHints || ep.zoneHints.size === 0) allZoneHints = false;
    else if (ep.zoneHints.has(zone)) hasForZone = true;
  }
  if (gates.PreferSameTrafficDistribution && allNodeHints && hasForNode) return 'PreferSameNode';
  if (allZoneHints && hasForZone) return 'PreferSameZone';
  return '';
}

/** proxy.CategorizeEndpoints: the Cluster and Local endpoint sets with the terminating fallback. */
export function categorizeEndpoints(endpoints: readonly EndpointInfo[], svc: ServicePortInfo, nodeName: string, zone: string, gates: FeatureGates): CategorizedEndpoints {
  let cluster: EndpointInfo[] = [];
  let local: EndpointInfo[] = [];
  let hasAny = false;
  let mode = '';
  const useCluster = usesClusterEndpoints(svc);
  if (useCluster) {
    mode = topologyMode(endpoints, nodeName, zone, gates);
    if (mode === '') {
      // The common case, as a loop (no closures per service port).
      cluster = [];
      for (const ep of endpoints) if (ep.ready) cluster.push(ep);
    } else {
      const available = (ep: EndpointInfo): boolean => (mode === 'PreferSameNode' ? ep.nodeHints?.has(nodeName) === true : ep.zoneHints?.has(zone) === true);
      cluster = endpoints.filter((ep) => ep.ready && available(ep));
    }
    if (cluster.length === 0) cluster = endpoints.filter((ep) => ep.serving && ep.terminating);
    if (cluster.length > 0) hasAny = true;
  }
  if (!usesLocalEndpoints(svc)) return { cluster, local, allReachable: cluster, hasAny };
  let hasLocalReady = false;
  let hasLocalServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) {
      hasAny = true;
      if (ep.local) hasLocalReady = true;
    } else if (ep.serving && ep.terminating) {
      hasAny = true;
      if (ep.local) hasLocalServingTerminating = true;
    }
  }
  let useServingTerminating = false;
  if (hasLocalReady) local = endpoints.filter((ep) => ep.local && ep.ready);
  else if (hasLocalServingTerminating) {
    useServingTerminating = true;
    local = endpoints.filter((ep) => ep.local && ep.serving && ep.terminating);
  }
  if (!useCluster) return { cluster, local, allReachable: local, hasAny };
  if (mode === '' && !useServingTerminating) return { cluster, local, allReachable: cluster, hasAny };
  // kube-proxy merges through a Go map (random order); sort by endpoint string to be deterministic.
  const merged = new Map<string, EndpointInfo>();
  for (const ep of cluster) merged.set(ep.str, ep);
  for (const ep of local) merged.set(ep.str, ep);
  const all = [...merged.values()].sort((a, b) => (a.str < b.str ? -1 : a.str > b.str ? 1 : 0));
  return { cluster, local, allReachable: all, hasAny };
}

/** The node's interface addresses that fall in `cidrs`, first-seen order (NodePortAddresses.GetNodeIPs). */
export function nodeIPsInCIDRs(cidrs: readonly ParsedCIDR[], interfaceAddresses: Readonly<Record<string, readonly string[]>>): { ip: string; loopback: boolean; family: IpFamilyName }[] {
  const seen = new Set<string>();
  const out: { ip: string; loopback: boolean; family: IpFamilyName }[] = [];
  for (const c of cidrs) {
    for (const iface of Object.keys(interfaceAddresses)) {
      for (const a of interfaceAddresses[iface]) {
        const slash = a.indexOf('/');
        const ip = parseIPSloppy(slash >= 0 ? a.slice(0, slash) : a);
        if (!ip || !cidrContains(c, ip)) continue;
        const s = formatIP(ip);
        if (seen.has(s)) continue;
        seen.add(s);
        const loopback = ip.family === 'IPv4' ? ip.bytes[12] === 127 : s === '::1';
        out.push({ ip: s, loopback, family: ip.family });
      }
    }
  }
  return out;
}

export { formatCIDR };
