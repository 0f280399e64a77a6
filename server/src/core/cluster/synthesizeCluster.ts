/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are plain JSON of any shape; every read below is guarded. */

/**
 * Fills in what a workspace of manifests does not say but kube-proxy needs: ClusterIPs, NodePorts
 * and LoadBalancer IPs the API server and cloud would allocate, the Nodes, and the endpoints the
 * EndpointSlice controller would publish for the pods the workloads would run.
 *
 * Every value made up here is deterministic and stable: it depends only on the object it belongs
 * to (its namespace, name and port) and the cluster settings, never on which other objects exist,
 * except when two objects hash to the same slot (then the one whose key sorts first keeps it).
 * Each is recorded in `assumptions` so that the editor and the CLI can label it "assumed".
 *
 * Works on plain Kubernetes JSON (what YAML parsing gives), so it is independent of the workspace
 * model and testable on inline objects.
 */

export interface ClusterSettings {
  /** Cluster pod CIDR; each node gets a /`nodeCIDRMaskSize` slice of it in order. AKS kubenet: 10.244.0.0/16. */
  readonly podCIDR: string;
  readonly nodeCIDRMaskSize: number;
  /** Service CIDR ClusterIPs are allocated from. AKS: 10.0.0.0/16 (10.0.0.1 is `kubernetes`, 10.0.0.10 is DNS). */
  readonly serviceCIDR: string;
  /** Nodes to synthesize when the workspace has no Node objects. */
  readonly nodeCount: number;
  readonly nodeNamePrefix: string;
  /** Node InternalIPs are taken from here in order, starting at `.4` like an Azure subnet. */
  readonly nodeSubnet: string;
  /** Where LoadBalancer IPs are allocated from when a Service has none in its status (TEST-NET-2 by default). */
  readonly loadBalancerCIDR: string;
  readonly nodePortRange: readonly [number, number];
}

export const defaultClusterSettings: ClusterSettings = {
  podCIDR: '10.244.0.0/16',
  nodeCIDRMaskSize: 24,
  serviceCIDR: '10.0.0.0/16',
  nodeCount: 3,
  nodeNamePrefix: 'aks-nodepool1-12345678-vmss00000',
  nodeSubnet: '10.224.0.0/16',
  loadBalancerCIDR: '198.51.100.0/24',
  nodePortRange: [30000, 32767],
};

/** A plain Kubernetes object as parsed from YAML or JSON. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string>; readonly [k: string]: unknown };
  readonly spec?: any;
  readonly status?: any;
  readonly [k: string]: unknown;
}

export interface Assumption {
  /** `clusterIP`, `nodePort`, `loadBalancerIP`, `node`, `podIP`, `endpoints`, `healthCheckNodePort`. */
  readonly what: string;
  /** `ns/name` of the Service (or workload, node) it belongs to. */
  readonly owner: string;
  readonly value: string;
  /** One sentence for people: "ClusterIP 10.0.93.14 (assumed: the manifest sets none)". */
  readonly text: string;
}

export interface SynthesizedNode {
  readonly name: string;
  readonly internalIP: string;
  readonly podCIDR: string;
  readonly assumed: boolean;
}

export interface SynthesizedPod {
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  readonly nodeName: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `Deployment/nginx`, or `Pod/x` for a bare Pod. */
  readonly owner: string;
  readonly assumed: boolean;
  /** The container ports of the pod template: name → port/protocol. */
  readonly ports: readonly { readonly name?: string; readonly containerPort: number; readonly protocol: string }[];
}

export interface Cluster {
  readonly settings: ClusterSettings;
  /** Services with clusterIP / nodePort / loadBalancer status filled in where the manifest had none. */
  readonly services: readonly KubeObject[];
  /** The workspace's EndpointSlices plus synthesized ones for Services that have none. */
  readonly endpointSlices: readonly KubeObject[];
  /** Legacy Endpoints from the workspace, passed through. */
  readonly endpoints: readonly KubeObject[];
  readonly nodes: readonly SynthesizedNode[];
  readonly pods: readonly SynthesizedPod[];
  readonly assumptions: readonly Assumption[];
  /** KubeProxyConfiguration objects found in the workspace. */
  readonly kubeProxyConfigurations: readonly KubeObject[];
}

// ---------------------------------------------------------------------------------------------
// Addresses (IPv4 only: synthesized values are IPv4; real IPv6 data passes through untouched).

function parseIPv4(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function formatIPv4(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

interface Cidr {
  readonly base: number;
  readonly bits: number;
  readonly size: number;
}

function parseCidr(cidr: string): Cidr | undefined {
  const [addr, bitsText] = cidr.split('/');
  const base = parseIPv4(addr ?? '');
  const bits = Number(bitsText);
  if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  return { base: Math.floor(base / size) * size, bits, size };
}

/** FNV-1a, 32 bits: a small, stable hash for allocation slots. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Hands out slots in [0, size) by hash, resolving collisions by linear probing in a fixed order
 * (keys sorted), so a key's slot depends on other keys only when they collide with it.
 */
function allocateSlots(keys: readonly string[], size: number, taken: ReadonlySet<number>, slotOf: (key: string) => number): Map<string, number> {
  const used = new Set(taken);
  const result = new Map<string, number>();
  for (const key of [...new Set(keys)].sort()) {
    let slot = slotOf(key) % size;
    for (let tries = 0; tries < size && used.has(slot); tries++) slot = (slot + 1) % size;
    if (used.has(slot)) continue; // full: leave unallocated
    used.add(slot);
    result.set(key, slot);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------


/** The most pods synthesized for one workload. */
export const MAX_PODS_PER_WORKLOAD = 5000;

function nsOf(o: KubeObject): string {
  return typeof o.metadata?.namespace === 'string' && o.metadata.namespace !== '' ? o.metadata.namespace : 'default';
}

function nameOf(o: KubeObject): string {
  return typeof o.metadata?.name === 'string' ? o.metadata.name : '';
}

function keyOf(o: KubeObject): string {
  return `${nsOf(o)}/${nameOf(o)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, val] of Object.entries(v)) if (val !== null && val !== undefined) out[k] = String(val);
  return out;
}

/** A pod template inside any workload kind (CronJob's jobTemplate included), or the Pod itself. */
export function podTemplateOf(o: KubeObject): { labels: Record<string, string>; spec: any } | undefined {
  if (o.kind === 'Pod') return { labels: stringMap(o.metadata?.labels), spec: o.spec ?? {} };
  if (o.kind === 'CronJob') {
    const t = o.spec?.jobTemplate?.spec?.template;
    return isRecord(t) ? { labels: stringMap((t as any).metadata?.labels), spec: (t as any).spec ?? {} } : undefined;
  }
  const t = o.spec?.template;
  if (isRecord(t) && isRecord((t as any).metadata) && isRecord((t as any).metadata.labels)) {
    return { labels: stringMap((t as any).metadata.labels), spec: (t as any).spec ?? {} };
  }
  return undefined;
}

function replicasOf(o: KubeObject, nodeCount: number): number {
  if (o.kind === 'DaemonSet') return nodeCount;
  if (o.kind === 'Pod') return 1;
  if (o.kind === 'Job') return Number.isInteger(o.spec?.parallelism) ? o.spec.parallelism : 1;
  if (o.kind === 'CronJob') return Number.isInteger(o.spec?.jobTemplate?.spec?.parallelism) ? o.spec.jobTemplate.spec.parallelism : 1;
  const r = o.spec?.replicas;
  if (Number.isInteger(r) && r >= 0) return r;
  return 1;
}

function containerPortsOf(spec: any): SynthesizedPod['ports'] {
  const ports: { name?: string; containerPort: number; protocol: string }[] = [];
  const containers = [
    ...(Array.isArray(spec?.containers) ? spec.containers : []),
    // Restartable init containers (sidecars) serve traffic too.
    ...(Array.isArray(spec?.initContainers) ? spec.initContainers.filter((c: any) => c?.restartPolicy === 'Always') : []),
  ];
  for (const c of containers) {
    for (const p of Array.isArray(c?.ports) ? c.ports : []) {
      if (Number.isInteger(p?.containerPort)) {
        ports.push({ ...(typeof p.name === 'string' ? { name: p.name } : {}), containerPort: p.containerPort, protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP' });
      }
    }
  }
  return ports;
}

/** A pod name the way the controllers make them: deployment-<hash>-<suffix>, statefulset-<ordinal>, ... */
function podNameFor(o: KubeObject, index: number): string {
  const name = nameOf(o);
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const suffix = (seed: string, len: number) => {
    let h = stableHash(seed);
    let s = '';
    for (let i = 0; i < len; i++) {
      s += alphabet[h % alphabet.length];
      h = stableHash(s + seed + i);
    }
    return s;
  };
  switch (o.kind) {
    case 'StatefulSet':
      return `${name}-${index}`;
    case 'Pod':
      return name;
    case 'Deployment':
      return `${name}-${suffix(keyOf(o) + '#rs', 10)}-${suffix(`${keyOf(o)}#${index}`, 5)}`;
    default:
      return `${name}-${suffix(`${keyOf(o)}#${index}`, 5)}`;
  }
}

function selectorMatches(selector: Record<string, string>, labels: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

function protocolOf(p: any): string {
  return typeof p?.protocol === 'string' && p.protocol !== '' ? p.protocol : 'TCP';
}

/** Builds the cluster kube-proxy would see from the workspace's objects. Pure and deterministic. */
export function synthesizeCluster(objects: readonly KubeObject[], settings: ClusterSettings = defaultClusterSettings): Cluster {
  const assumptions: Assumption[] = [];
  const services = objects.filter((o) => o.kind === 'Service' && nameOf(o) !== '');
  const slices = objects.filter((o) => o.kind === 'EndpointSlice');
  const endpoints = objects.filter((o) => o.kind === 'Endpoints');
  const kubeProxyConfigurations = objects.filter((o) => o.kind === 'KubeProxyConfiguration');

  // Nodes: the workspace's, or synthesized ones.
  const podCidr = parseCidr(settings.podCIDR);
  const nodeSubnet = parseCidr(settings.nodeSubnet);
  const perNode = 2 ** (32 - settings.nodeCIDRMaskSize);
  const workspaceNodes = objects.filter((o) => o.kind === 'Node' && nameOf(o) !== '').sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  const nodes: SynthesizedNode[] = [];
  workspaceNodes.forEach((n, i) => {
    const addresses: any[] = Array.isArray(n.status?.addresses) ? n.status.addresses : [];
    const internal = addresses.find((a) => a?.type === 'InternalIP')?.address;
    const podCIDR = typeof n.spec?.podCIDR === 'string' ? n.spec.podCIDR : podCidr ? `${formatIPv4(podCidr.base + i * perNode)}/${settings.nodeCIDRMaskSize}` : '';
    const ip = typeof internal === 'string' ? internal : nodeSubnet ? formatIPv4(nodeSubnet.base + 4 + i) : '';
    if (typeof n.spec?.podCIDR !== 'string') assumptions.push({ what: 'podCIDR', owner: nameOf(n), value: podCIDR, text: `Node ${nameOf(n)} pod CIDR ${podCIDR} (assumed: the Node sets no spec.podCIDR)` });
    if (typeof internal !== 'string') assumptions.push({ what: 'nodeIP', owner: nameOf(n), value: ip, text: `Node ${nameOf(n)} InternalIP ${ip} (assumed: the Node lists no InternalIP)` });
    nodes.push({ name: nameOf(n), internalIP: ip, podCIDR, assumed: false });
  });
  if (nodes.length === 0) {
    for (let i = 0; i < Math.max(1, settings.nodeCount); i++) {
      const name = `${settings.nodeNamePrefix}${i}`;
      const ip = nodeSubnet ? formatIPv4(nodeSubnet.base + 4 + i) : '';
      const podCIDR = podCidr ? `${formatIPv4(podCidr.base + i * perNode)}/${settings.nodeCIDRMaskSize}` : '';
      nodes.push({ name, internalIP: ip, podCIDR, assumed: true });
      assumptions.push({ what: 'node', owner: name, value: ip, text: `Node ${name} with InternalIP ${ip} and pod CIDR ${podCIDR} (assumed: the workspace has no Node objects)` });
    }
  }

  // Pods: bare Pods and every replica of every pod-bearing workload.
  const pods: SynthesizedPod[] = [];
  const podsByNode = new Map<string, { key: string; pod: Omit<SynthesizedPod, 'ip'>; fixedIP?: string }[]>();
  for (const o of objects) {
    if (o.kind === 'Service' || o.kind === 'EndpointSlice' || o.kind === 'Endpoints') continue;
    const template = podTemplateOf(o);
    if (!template || nameOf(o) === '') continue;
    // A ReplicaSet owned by a Deployment in the workspace would double count; skip owned ones.
    if (o.kind === 'ReplicaSet' && Array.isArray(o.metadata?.ownerReferences) && (o.metadata.ownerReferences as unknown[]).length > 0) continue;
    if (o.kind === 'Pod' && Array.isArray(o.metadata?.ownerReferences) && (o.metadata.ownerReferences as unknown[]).length > 0) continue;
    // A huge (or mistyped) replica count must not stall the editor: no more pods than the nodes'
    // pod CIDRs can hold, and never more than MAX_PODS_PER_WORKLOAD.
    const wanted = replicasOf(o, nodes.length);
    const capacity = Math.max(1, nodes.length * Math.max(1, perNode - 3));
    const count = Math.min(wanted, capacity, MAX_PODS_PER_WORKLOAD);
    if (count < wanted) assumptions.push({ what: 'replicas', owner: keyOf(o), value: String(count), text: `${o.kind} ${keyOf(o)} asks for ${wanted} replicas; ${count} pods are assumed (the most the nodes' pod CIDRs${count === MAX_PODS_PER_WORKLOAD ? ' and this tool' : ''} hold)` });
    const start = stableHash(keyOf(o) + '#node') % nodes.length;
    for (let i = 0; i < count; i++) {
      let nodeName: string;
      if (o.kind === 'DaemonSet') nodeName = nodes[i].name;
      else if (o.kind === 'Pod' && typeof o.spec?.nodeName === 'string' && nodes.some((n) => n.name === o.spec.nodeName)) nodeName = o.spec.nodeName;
      else nodeName = nodes[(start + i) % nodes.length].name;
      const name = podNameFor(o, i);
      const entry = {
        key: `${nsOf(o)}/${name}`,
        pod: { namespace: nsOf(o), name, nodeName, labels: template.labels, owner: `${o.kind}/${nameOf(o)}`, assumed: o.kind !== 'Pod' || typeof o.status?.podIP !== 'string', ports: containerPortsOf(template.spec) },
        ...(o.kind === 'Pod' && typeof o.status?.podIP === 'string' ? { fixedIP: o.status.podIP as string } : {}),
      };
      const list = podsByNode.get(nodeName) ?? [];
      list.push(entry);
      podsByNode.set(nodeName, list);
    }
  }
  for (const node of nodes) {
    const list = podsByNode.get(node.name) ?? [];
    const cidr = parseCidr(node.podCIDR);
    const fixed = new Set<number>();
    if (cidr) for (const e of list) if (e.fixedIP) { const n = parseIPv4(e.fixedIP); if (n !== undefined && n >= cidr.base && n < cidr.base + cidr.size) fixed.add(n - cidr.base); }
    // Host numbers 2 .. size-2 (.0 network, .1 the bridge, last broadcast).
    const usable = cidr ? Math.max(1, cidr.size - 3) : 1;
    const taken = new Set<number>([...fixed].map((n) => n - 2));
    const slots = allocateSlots(list.filter((e) => !e.fixedIP).map((e) => e.key), usable, taken, (k) => stableHash(k));
    for (const e of list) {
      let ip = e.fixedIP;
      if (!ip && cidr) {
        const slot = slots.get(e.key);
        if (slot !== undefined) ip = formatIPv4(cidr.base + 2 + slot);
      }
      if (!ip) continue;
      pods.push({ ...e.pod, ip });
      if (!e.fixedIP) assumptions.push({ what: 'podIP', owner: e.key, value: ip, text: `Pod ${e.key} on ${node.name} with IP ${ip} (assumed: ${e.pod.owner} replica)` });
    }
  }
  pods.sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1));

  // ClusterIPs.
  const svcCidr = parseCidr(settings.serviceCIDR);
  const explicitClusterIPs = new Set<number>();
  if (svcCidr) {
    for (const s of services) {
      const n = parseIPv4(String(s.spec?.clusterIP ?? ''));
      if (n !== undefined && n >= svcCidr.base && n < svcCidr.base + svcCidr.size) explicitClusterIPs.add(n - svcCidr.base);
    }
    explicitClusterIPs.add(0).add(1).add(10).add(svcCidr.size - 1); // network, kubernetes, kube-dns, broadcast
  }
  const familiesOf = (s: KubeObject): string[] | undefined => (Array.isArray(s.spec?.ipFamilies) ? s.spec.ipFamilies.map(String) : undefined);
  // Only IPv4 ClusterIPs are synthesized: a Service whose families leave IPv4 out gets none.
  const needClusterIP = services.filter((s) => s.spec?.type !== 'ExternalName' && (s.spec?.clusterIP === undefined || s.spec?.clusterIP === '') && (familiesOf(s)?.includes('IPv4') ?? true));
  const clusterIPSlots = svcCidr ? allocateSlots(needClusterIP.map(keyOf), svcCidr.size, explicitClusterIPs, (k) => stableHash(k)) : new Map<string, number>();

  // NodePorts (per service port) and health-check NodePorts.
  const [npLo, npHi] = settings.nodePortRange;
  const npSize = npHi - npLo + 1;
  const explicitNodePorts = new Set<number>();
  for (const s of services) {
    for (const p of Array.isArray(s.spec?.ports) ? s.spec.ports : []) if (Number.isInteger(p?.nodePort)) explicitNodePorts.add(p.nodePort - npLo);
    if (Number.isInteger(s.spec?.healthCheckNodePort)) explicitNodePorts.add(s.spec.healthCheckNodePort - npLo);
  }
  const nodePortKeys: string[] = [];
  const isNodePortType = (s: KubeObject) => s.spec?.type === 'NodePort' || (s.spec?.type === 'LoadBalancer' && s.spec?.allocateLoadBalancerNodePorts !== false);
  for (const s of services) {
    if (!isNodePortType(s)) continue;
    (Array.isArray(s.spec?.ports) ? s.spec.ports : []).forEach((p: any, i: number) => {
      if (!Number.isInteger(p?.nodePort)) nodePortKeys.push(`${keyOf(s)}#port${i}:${p?.name ?? ''}`);
    });
    if (s.spec?.type === 'LoadBalancer' && s.spec?.externalTrafficPolicy === 'Local' && !Number.isInteger(s.spec?.healthCheckNodePort)) nodePortKeys.push(`${keyOf(s)}#health`);
  }
  const nodePortSlots = allocateSlots(nodePortKeys, npSize, explicitNodePorts, (k) => stableHash(k));

  // LoadBalancer IPs.
  const lbCidr = parseCidr(settings.loadBalancerCIDR);
  const needLB = services.filter((s) => s.spec?.type === 'LoadBalancer' && !(Array.isArray(s.status?.loadBalancer?.ingress) && s.status.loadBalancer.ingress.length > 0));
  const lbSlots = lbCidr ? allocateSlots(needLB.map(keyOf), Math.max(1, lbCidr.size - 2), new Set(), (k) => stableHash(k)) : new Map<string, number>();

  const filledServices: KubeObject[] = services.map((s) => {
    const key = keyOf(s);
    const spec = { ...(s.spec ?? {}) };
    let status = s.status;
    const slot = clusterIPSlots.get(key);
    if (slot !== undefined && svcCidr) {
      spec.clusterIP = formatIPv4(svcCidr.base + slot);
      assumptions.push({ what: 'clusterIP', owner: key, value: spec.clusterIP, text: `ClusterIP ${spec.clusterIP} of Service ${key} (assumed: the manifest sets none)` });
    }
    // kube-proxy reads spec.clusterIPs whenever spec.ipFamilies is set. The API server fills it
    // (clusterIPs[0] mirrors clusterIP); do the same, in family order, as far as addresses exist.
    const families = familiesOf(s);
    if (families && !Array.isArray(spec.clusterIPs) && spec.clusterIP !== 'None' && s.spec?.type !== 'ExternalName') {
      const ips: string[] = [];
      for (const family of families) {
        const ip = typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && (family === 'IPv6') === spec.clusterIP.includes(':') ? spec.clusterIP : undefined;
        if (!ip) {
          assumptions.push({ what: 'clusterIP', owner: key, value: '', text: `Service ${key} asks for an ${family} ClusterIP (ipFamilies) but none is given and only IPv4 ClusterIPs are assumed: no ${family} rules are shown for it` });
          break;
        }
        ips.push(ip);
      }
      spec.clusterIPs = ips;
    }
    if (Array.isArray(spec.ports)) {
      spec.ports = spec.ports.map((p: any, i: number) => {
        const npSlot = nodePortSlots.get(`${key}#port${i}:${p?.name ?? ''}`);
        if (npSlot === undefined) return p;
        const nodePort = npLo + npSlot;
        assumptions.push({ what: 'nodePort', owner: key, value: String(nodePort), text: `NodePort ${nodePort} for port ${p?.name ?? p?.port} of Service ${key} (assumed: the manifest sets none)` });
        return { ...p, nodePort };
      });
    }
    const hcSlot = nodePortSlots.get(`${key}#health`);
    if (hcSlot !== undefined) {
      spec.healthCheckNodePort = npLo + hcSlot;
      assumptions.push({ what: 'healthCheckNodePort', owner: key, value: String(spec.healthCheckNodePort), text: `Health-check NodePort ${spec.healthCheckNodePort} of Service ${key} (assumed)` });
    }
    const lbSlot = lbSlots.get(key);
    if (lbSlot !== undefined && lbCidr) {
      const ip = formatIPv4(lbCidr.base + 1 + lbSlot);
      status = { ...(isRecord(status) ? status : {}), loadBalancer: { ingress: [{ ip }] } };
      assumptions.push({ what: 'loadBalancerIP', owner: key, value: ip, text: `LoadBalancer IP ${ip} of Service ${key} (assumed: the manifest has no status.loadBalancer)` });
    }
    return { ...s, spec, ...(status !== undefined ? { status } : {}) };
  });

  // EndpointSlices for selector Services that have no real slices or Endpoints.
  const servicesWithSlices = new Set<string>();
  for (const sl of slices) {
    const svc = stringMap(sl.metadata?.labels)['kubernetes.io/service-name'];
    if (svc) servicesWithSlices.add(`${nsOf(sl)}/${svc}`);
  }
  for (const ep of endpoints) servicesWithSlices.add(keyOf(ep));
  const synthesizedSlices: KubeObject[] = [];
  for (const s of filledServices) {
    const key = keyOf(s);
    const selector = stringMap(s.spec?.selector);
    if (servicesWithSlices.has(key) || Object.keys(selector).length === 0 || s.spec?.type === 'ExternalName') continue;
    const matched = pods.filter((p) => p.namespace === nsOf(s) && selectorMatches(selector, p.labels));
    const svcPorts: any[] = Array.isArray(s.spec?.ports) ? s.spec.ports : [];
    // Pods whose container ports resolve a named targetPort differently get separate slices, as the controller does.
    const groups = new Map<string, { ports: { name: string; port: number; protocol: string }[]; pods: SynthesizedPod[] }>();
    for (const pod of matched) {
      const ports: { name: string; port: number; protocol: string }[] = [];
      for (const sp of svcPorts) {
        const tp = sp?.targetPort ?? sp?.port;
        let port: number | undefined;
        if (typeof tp === 'number') port = tp;
        else if (typeof tp === 'string' && /^\d+$/.test(tp)) port = Number(tp);
        else if (typeof tp === 'string') port = pod.ports.find((cp) => cp.name === tp && cp.protocol === protocolOf(sp))?.containerPort;
        if (port !== undefined) ports.push({ name: typeof sp?.name === 'string' ? sp.name : '', port, protocol: protocolOf(sp) });
      }
      const gk = JSON.stringify(ports);
      const g = groups.get(gk) ?? { ports, pods: [] };
      g.pods.push(pod);
      groups.set(gk, g);
    }
    let index = 0;
    for (const g of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v)) {
      synthesizedSlices.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${nameOf(s)}-assumed${index++ === 0 ? '' : '-' + index}`, namespace: nsOf(s), labels: { 'kubernetes.io/service-name': nameOf(s) }, annotations: { 'kube-packet-path/assumed': 'true' } },
        addressType: 'IPv4',
        endpoints: g.pods.map((p) => ({ addresses: [p.ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: p.nodeName, targetRef: { kind: 'Pod', namespace: p.namespace, name: p.name } })),
        ports: g.ports,
      });
    }
    if (matched.length > 0 && familiesOf(s)?.includes('IPv6')) {
      assumptions.push({ what: 'endpoints', owner: key, value: '0', text: `Service ${key} is ${familiesOf(s)!.join('/')}: only IPv4 pod addresses are assumed, so its IPv6 rules have no synthesized endpoints` });
    }
    if (matched.length > 0) {
      assumptions.push({ what: 'endpoints', owner: key, value: String(matched.length), text: `${matched.length} endpoint${matched.length === 1 ? '' : 's'} of Service ${key} from the pods its selector matches (assumed: no EndpointSlices in the workspace)` });
    }
  }

  return {
    settings,
    services: filledServices,
    endpointSlices: [...slices, ...synthesizedSlices],
    endpoints,
    nodes,
    pods,
    assumptions,
    kubeProxyConfigurations,
  };
}
