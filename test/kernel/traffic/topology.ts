/**
 * Builds the test cluster out of network namespaces, all named `kpp-traffic-…`:
 *
 *   client (203.0.113.10, .130) ── ext0 ── node-a (ip_forward; 203.0.113.1, 192.168.0.2, 10.244.1.1)
 *                                            ├── vp1 ── pod-1 10.244.1.2
 *                                            ├── vp2 ── pod-2 10.244.1.3
 *                                            └── n2 ── node-b (192.168.0.3, 10.244.2.1) ── vp3 ── pod-3 10.244.2.2
 *
 * Pods are routed, not bridged (a /32 on the pod, a /32 route on the node; the node's pod-side
 * address is the pods' gateway), like Calico. Every pod runs a tiny TCP server on 8080 and a UDP
 * one on 5353 (node's `net` and `dgram`) that answer `<pod> <peer address> <peer port>`: the pod's
 * view of who connected.
 * Nothing here has a route out of these namespaces.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createNetns, type Netns } from '../lib/netns';
import type { Route } from '../../../server/src/core/simulator/types';
import {
  BLOCKED_CLIENT_IP, CLIENT_IP, NODE_B_IP, NODE_B_POD_GATEWAY, NODE_EXTERNAL_IP, NODE_IP, NODE_POD_GATEWAY, PODS, POD_PORT, POD_UDP_PORT, V6,
} from './cluster';

export const NETNS_TAG = 'traffic';

export interface Topology {
  readonly client: Netns;
  readonly node: Netns;
  readonly nodeB: Netns;
  readonly pods: ReadonlyMap<string, Netns>;
  readonly servers: ChildProcess[];
}

const SERVER = `
const net = require('net');
const name = process.env.POD_NAME;
const answer = (s) => { s.on('error', () => {}); s.end(name + ' ' + s.remoteAddress + ' ' + s.remotePort + '\\n'); };
let ready = 0;
const up = () => { if (++ready === 3) process.stdout.write('ready\\n'); };
net.createServer(answer).listen({ port: ${POD_PORT}, host: '0.0.0.0' }, up);
net.createServer(answer).listen({ port: ${POD_PORT}, host: '::', ipv6Only: true }, up);
const udp = require('dgram').createSocket('udp4');
udp.on('message', (msg, r) => udp.send(name + ' ' + r.address + ' ' + r.port + '\\n', r.port, r.address));
udp.bind(${POD_UDP_PORT}, '0.0.0.0', up);
setTimeout(() => process.exit(0), 10 * 60 * 1000).unref();
`;

/** Runs `ip` commands inside a namespace; throws with the command on failure. */
function ip(ns: Netns, ...args: string[]): void {
  ns.execOk(['ip', ...args]);
}

/** Sets `net.*` sysctls of the namespace through /proc/sys (per network namespace). */
function sysctl(ns: Netns, ...settings: string[]): void {
  const script = settings.map((kv) => {
    const [key, value] = kv.split('=');
    return `echo ${value} > /proc/sys/${key.replace(/\./g, '/')}`;
  }).join(' && ');
  ns.execOk(['sh', '-c', script]);
}

/** A veth pair from `a` (named `aName`) to `b` (named `bName`), created inside `a`: no name ever touches the host. */
function veth(a: Netns, aName: string, b: Netns, bName: string): void {
  ip(a, 'link', 'add', aName, 'type', 'veth', 'peer', 'name', bName, 'netns', b.name);
  ip(a, 'link', 'set', aName, 'up');
  ip(b, 'link', 'set', bName, 'up');
}

function routedPod(host: Netns, hostIf: string, gateway: string, gateway6: string, pod: Netns, podIp: string, podIp6: string): void {
  veth(host, hostIf, pod, 'eth0');
  ip(host, 'addr', 'add', `${gateway}/32`, 'dev', hostIf);
  ip(host, 'route', 'add', `${podIp}/32`, 'dev', hostIf);
  ip(pod, 'addr', 'add', `${podIp}/32`, 'dev', 'eth0');
  ip(pod, 'route', 'add', `${gateway}/32`, 'dev', 'eth0', 'scope', 'link');
  ip(pod, 'route', 'add', 'default', 'via', gateway, 'dev', 'eth0');
  ip(host, 'addr', 'add', `${gateway6}/128`, 'dev', hostIf, 'nodad');
  ip(host, '-6', 'route', 'add', `${podIp6}/128`, 'dev', hostIf);
  ip(pod, 'addr', 'add', `${podIp6}/128`, 'dev', 'eth0', 'nodad');
  ip(pod, '-6', 'route', 'add', `${gateway6}/128`, 'dev', 'eth0');
  ip(pod, '-6', 'route', 'add', 'default', 'via', gateway6, 'dev', 'eth0');
}

function routerSysctls(ns: Netns): void {
  sysctl(ns, 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0',
    'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.default.send_redirects=0', 'net.ipv6.conf.all.forwarding=1');
}

/** Waits until a server prints `ready` (or fails). */
function waitReady(child: ChildProcess, name: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${name}: server not ready after ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name}: server exited with ${code}: ${err}`));
    });
  });
}

/** Builds every namespace, link, route and server. On failure, tears down what exists and rethrows. */
export async function buildTopology(): Promise<Topology> {
  const created: Netns[] = [];
  const servers: ChildProcess[] = [];
  const make = (): Netns => {
    const ns = createNetns(NETNS_TAG);
    created.push(ns);
    // No duplicate address detection: IPv6 addresses are usable at once (links come up later).
    sysctl(ns, 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
    return ns;
  };
  try {
    const client = make();
    const node = make();
    const nodeB = make();
    const pods = new Map<string, Netns>();
    for (const p of PODS) pods.set(p.name, make());

    routerSysctls(node);
    routerSysctls(nodeB);
    // kube-proxy sets this when localhost NodePorts are on (the default): 127.0.0.1:NodePort works.
    sysctl(node, 'net.ipv4.conf.all.route_localnet=1');

    veth(client, 'c0', node, 'ext0');
    ip(client, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'c0');
    ip(client, 'addr', 'add', `${BLOCKED_CLIENT_IP}/24`, 'dev', 'c0');
    ip(client, 'route', 'add', 'default', 'via', NODE_EXTERNAL_IP);
    ip(node, 'addr', 'add', `${NODE_EXTERNAL_IP}/24`, 'dev', 'ext0');
    ip(client, 'addr', 'add', `${V6.client}/64`, 'dev', 'c0', 'nodad');
    ip(client, '-6', 'route', 'add', 'default', 'via', V6.nodeExternal);
    ip(node, 'addr', 'add', `${V6.nodeExternal}/64`, 'dev', 'ext0', 'nodad');

    veth(node, 'n2', nodeB, 'n1');
    ip(node, 'addr', 'add', `${NODE_IP}/24`, 'dev', 'n2');
    ip(nodeB, 'addr', 'add', `${NODE_B_IP}/24`, 'dev', 'n1');
    ip(node, 'route', 'add', '10.244.2.0/24', 'via', NODE_B_IP);
    ip(nodeB, 'route', 'add', 'default', 'via', NODE_IP);
    ip(node, 'addr', 'add', `${V6.node}/64`, 'dev', 'n2', 'nodad');
    ip(nodeB, 'addr', 'add', `${V6.nodeB}/64`, 'dev', 'n1', 'nodad');
    ip(node, '-6', 'route', 'add', V6.nodeBPods, 'via', V6.nodeB);
    ip(nodeB, '-6', 'route', 'add', 'default', 'via', V6.node);
    // The node's default route (ClusterIPs are not routed anywhere; a node needs some route to
    // them before nat OUTPUT rewrites the destination). It leads to the client namespace only.
    ip(node, 'route', 'add', 'default', 'via', CLIENT_IP);
    ip(node, '-6', 'route', 'add', 'default', 'via', V6.client);

    let vp = 1;
    for (const p of PODS) {
      const podNs = pods.get(p.name) as Netns;
      if (p.node === 'node-a') routedPod(node, `vp${vp++}`, NODE_POD_GATEWAY, V6.podGateway, podNs, p.ip, p.ip6);
      else routedPod(nodeB, `vp${vp++}`, NODE_B_POD_GATEWAY, V6.podGatewayB, podNs, p.ip, p.ip6);
    }

    for (const p of PODS) {
      const podNs = pods.get(p.name) as Netns;
      const child = spawn('ip', ['netns', 'exec', podNs.name, process.execPath, '-e', SERVER], {
        env: { ...process.env, POD_NAME: p.name },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      servers.push(child);
      await waitReady(child, p.name);
    }
    return { client, node, nodeB, pods, servers };
  } catch (e) {
    stopServers(servers);
    for (const ns of created) ns.delete();
    throw e;
  }
}

function stopServers(servers: readonly ChildProcess[]): void {
  for (const s of servers) {
    if (s.exitCode === null && s.pid !== undefined) s.kill('SIGKILL');
  }
}

export function destroyTopology(t: Topology): void {
  stopServers(t.servers);
  for (const ns of [t.client, t.node, t.nodeB, ...t.pods.values()]) ns.delete();
}

/**
 * Deletes namespaces a crashed earlier run of this harness left behind: `kpp-traffic-<pid>-…`
 * whose process is gone. Namespaces of a live process (another run) are left alone.
 */
export function sweepLeftoverNamespaces(): string[] {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  const swept: string[] = [];
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0];
    const m = /^kpp-traffic-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (alive) continue;
    spawnSync('ip', ['netns', 'delete', name]);
    swept.push(name);
  }
  return swept;
}

/**
 * The namespace's routing table as the simulator takes it: `ip -j route` (main table), with each
 * route's source being the outgoing device's first (global) address, which is what MASQUERADE
 * picks (`inet_select_addr` / IPv6 source selection on the device; one address per device here).
 */
export function readRoutes(ns: Netns, family: 'ipv4' | 'ipv6' = 'ipv4'): Route[] {
  const f = family === 'ipv4' ? '-4' : '-6';
  const routes = JSON.parse(ns.execOk(['ip', '-j', f, 'route', 'show', 'table', 'main']).stdout) as { dst: string; dev?: string }[];
  const links = JSON.parse(ns.execOk(['ip', '-j', f, 'addr', 'show']).stdout) as { ifname: string; addr_info: { local: string; scope: string }[] }[];
  const firstAddress = new Map(links.map((l) => [l.ifname, l.addr_info.find((a) => a.scope === 'global')?.local]));
  return routes.map((r) => {
    const route: { destination: string; device?: string; source?: string } = { destination: r.dst };
    if (r.dev !== undefined) {
      route.device = r.dev;
      const src = firstAddress.get(r.dev);
      if (src !== undefined) route.source = src;
    }
    return route;
  });
}
