/**
 * Makes real TCP connections from inside a namespace, one after the other, and reports what each
 * one met: the pod's answer (`<pod> <peer address> <peer port>`), a refusal (a REJECT's ICMP port
 * unreachable or a RST), or a timeout (a DROP). One `node` process per batch, so hundreds of
 * connections take about a second.
 */
import type { Netns } from '../lib/netns';

export type ConnectionResult =
  | { readonly kind: 'answered'; readonly pod: string; readonly peer: string; readonly peerPort: number; readonly localPort: number }
  | { readonly kind: 'refused' | 'timeout' | 'unreachable' | 'error'; readonly detail: string };

export interface ConnectRequest {
  readonly host: string;
  readonly port: number;
  readonly count: number;
  /** Source address to bind (e.g. the blocked client address). */
  readonly localAddress?: string;
  /** Per-connection timeout; a dropped SYN ends as `timeout`. */
  readonly timeoutMs?: number;
  /** `udp`: one datagram per "connection" from a new socket (a new source port, so a new conntrack entry). */
  readonly proto?: 'tcp' | 'udp';
}

const CLIENT = `
const net = require('net');
const req = JSON.parse(process.env.KPP_CONNECT);
const results = [];
function onceUdp(i) {
  if (i >= req.count) { process.stdout.write(JSON.stringify(results)); return; }
  let done = false;
  const s = require('dgram').createSocket('udp4');
  const finish = (r) => { if (done) return; done = true; clearTimeout(t); s.close(); results.push(r); setImmediate(() => onceUdp(i + 1)); };
  const t = setTimeout(() => finish({ kind: 'timeout', detail: 'no answer within ' + req.timeoutMs + ' ms' }), req.timeoutMs);
  s.on('message', (msg) => {
    const [pod, peer, peerPort] = msg.toString().trim().split(' ');
    finish({ kind: 'answered', pod, peer, peerPort: Number(peerPort), localPort: s.address().port });
  });
  s.on('error', (e) => finish({ kind: e.code === 'ECONNREFUSED' ? 'refused' : 'error', detail: String(e.code || e.message) }));
  const bindOpts = req.localAddress ? { address: req.localAddress } : {};
  s.bind(bindOpts, () => s.connect(req.port, req.host, (err) => {
    if (err) return finish({ kind: 'error', detail: String(err.code || err.message) });
    s.send('who?');
  }));
}
function once(i) {
  if (i >= req.count) { process.stdout.write(JSON.stringify(results)); return; }
  let done = false;
  let data = '';
  let localPort = 0;
  const opts = { host: req.host, port: req.port };
  if (req.localAddress) opts.localAddress = req.localAddress;
  const s = net.connect(opts);
  const finish = (r) => { if (done) return; done = true; clearTimeout(t); s.destroy(); results.push(r); setImmediate(() => once(i + 1)); };
  const t = setTimeout(() => finish({ kind: 'timeout', detail: 'no answer within ' + req.timeoutMs + ' ms' }), req.timeoutMs);
  s.on('connect', () => { localPort = s.localPort; });
  s.on('data', (d) => { data += d; });
  s.on('end', () => {
    const [pod, peer, peerPort] = data.trim().split(' ');
    if (pod && peer) finish({ kind: 'answered', pod, peer, peerPort: Number(peerPort), localPort });
    else finish({ kind: 'error', detail: 'unexpected answer ' + JSON.stringify(data) });
  });
  s.on('error', (e) => {
    const kind = e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH' ? 'unreachable' : e.code === 'ETIMEDOUT' ? 'timeout' : 'error';
    finish({ kind, detail: String(e.code || e.message) });
  });
}
if (req.proto === 'udp') onceUdp(0); else once(0);
`;

export function connectMany(from: Netns, req: ConnectRequest): ConnectionResult[] {
  const timeoutMs = req.timeoutMs ?? 2000;
  const r = from.exec([process.execPath, '-e', CLIENT], {
    env: { ...process.env, KPP_CONNECT: JSON.stringify({ ...req, timeoutMs }) },
    timeoutMs: req.count * (timeoutMs + 500) + 10_000,
  });
  if (r.status !== 0) throw new Error(`client in ${from.name} exited ${r.status}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as ConnectionResult[];
}

/** One `conntrack -L` entry: the original and reply tuples. */
export interface ConntrackEntry {
  readonly original: { readonly src: string; readonly dst: string; readonly sport: number; readonly dport: number };
  readonly reply: { readonly src: string; readonly dst: string; readonly sport: number; readonly dport: number };
  readonly line: string;
}

/** The node's conntrack entries of `proto` whose original destination is `dst:dport`. */
export function listConntrack(node: Netns, dst: string, dport: number, proto: 'tcp' | 'udp' = 'tcp', family: 'ipv4' | 'ipv6' = 'ipv4'): ConntrackEntry[] {
  const r = node.exec(['conntrack', '-L', '-f', family, '-p', proto, '--orig-dst', dst, '--dport', String(dport)]);
  if (r.status !== 0) throw new Error(`conntrack -L failed: ${r.stderr.trim()}`);
  const out: ConntrackEntry[] = [];
  for (const line of r.stdout.split('\n')) {
    const src = [...line.matchAll(/\bsrc=(\S+)/g)].map((m) => m[1]);
    const dstA = [...line.matchAll(/\bdst=(\S+)/g)].map((m) => m[1]);
    const sport = [...line.matchAll(/\bsport=(\d+)/g)].map((m) => Number(m[1]));
    const dportA = [...line.matchAll(/\bdport=(\d+)/g)].map((m) => Number(m[1]));
    if (src.length < 2 || dstA.length < 2 || sport.length < 2 || dportA.length < 2) continue;
    out.push({
      original: { src: src[0], dst: dstA[0], sport: sport[0], dport: dportA[0] },
      reply: { src: src[1], dst: dstA[1], sport: sport[1], dport: dportA[1] },
      line: line.trim(),
    });
  }
  return out;
}
