import type { ConntrackEntry, ConntrackTable } from './model';

export interface ConntrackEndpoint {
  readonly address: string;
  readonly port?: number;
}

/** What one conntrack entry says about a connection through a Service. */
export interface DecodedConntrackEntry {
  /** Who opened the connection (original src). */
  readonly client: ConntrackEndpoint;
  /** The address the client asked for (original dst): a Service IP when DNAT happened. */
  readonly service: ConntrackEndpoint;
  /** Who answers (reply src): the endpoint the packets were DNATed to. */
  readonly endpoint: ConntrackEndpoint;
  /** The client address as the endpoint sees it (reply dst). */
  readonly seenAs: ConntrackEndpoint;
  /** The destination was rewritten: reply src differs from original dst. */
  readonly dnat: boolean;
  /** The source was rewritten (masqueraded or SNATed): reply dst differs from original src. */
  readonly snat: boolean;
  /** "client → service → endpoint", e.g. `203.0.113.2:57958 → 172.30.0.44:80 → 10.180.0.5:80`. */
  readonly summary: string;
  /** One or two plain sentences. */
  readonly explanation: string;
}

function show(e: ConntrackEndpoint): string {
  if (e.port === undefined) return e.address;
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

function same(a: ConntrackEndpoint, b: ConntrackEndpoint): boolean {
  return a.address === b.address && a.port === b.port;
}

/** Decodes an entry's original and reply tuples into client → Service → endpoint, with DNAT/SNAT. */
export function decodeConntrackEntry(entry: ConntrackEntry): DecodedConntrackEntry {
  const o = entry.original;
  const r = entry.reply;
  const client: ConntrackEndpoint = o.sport !== undefined ? { address: o.src, port: o.sport } : { address: o.src };
  const service: ConntrackEndpoint = o.dport !== undefined ? { address: o.dst, port: o.dport } : { address: o.dst };
  const endpoint: ConntrackEndpoint = r.sport !== undefined ? { address: r.src, port: r.sport } : { address: r.src };
  const seenAs: ConntrackEndpoint = r.dport !== undefined ? { address: r.dst, port: r.dport } : { address: r.dst };
  const dnat = !same(endpoint, service);
  const snat = !same(seenAs, client);
  const summary = dnat ? `${show(client)} → ${show(service)} → ${show(endpoint)}` : `${show(client)} → ${show(service)}`;
  const parts: string[] = [];
  if (dnat) parts.push(`${entry.protocol.toUpperCase()} from ${show(client)} to ${show(service)} was DNATed to ${show(endpoint)}.`);
  else parts.push(`${entry.protocol.toUpperCase()} from ${show(client)} to ${show(service)} was not DNATed.`);
  if (snat) parts.push(`The source was rewritten (masquerade/SNAT): ${show(endpoint)} sees the client as ${show(seenAs)}.`);
  else parts.push(`The source was kept: ${show(endpoint)} sees the client's own address.`);
  if (entry.flags.includes('UNREPLIED')) parts.push('No reply has been seen yet [UNREPLIED].');
  return { client, service, endpoint, seenAs, dnat, snat, summary, explanation: parts.join(' ') };
}

/** Names the Service behind an (address, port, protocol) the client asked for, when the workspace knows it. */
export type AddressToService = (address: string, port: number | undefined, protocol: string) => string | undefined;

export interface ConntrackServiceSummary {
  /** The Service's name from the mapper, or `address:port/protocol` of the destination asked for. */
  readonly service: string;
  /** Whether the mapper named it. */
  readonly known: boolean;
  readonly entries: number;
  readonly dnat: number;
  readonly snat: number;
  readonly unreplied: number;
  readonly assured: number;
  /** Entry count per state (ESTABLISHED, TIME_WAIT…; `-` for stateless protocols). */
  readonly states: Readonly<Record<string, number>>;
  /** Entry count per endpoint that answered (`address:port`), sorted by count, then name. */
  readonly endpoints: readonly { readonly endpoint: string; readonly entries: number }[];
  /** 0-based lines of the entries. */
  readonly lines: readonly number[];
}

/**
 * Groups the entries by the destination the client asked for (a Service's IP and port), most
 * entries first. With a mapper, destinations it names are grouped under that name.
 */
export function summarizeConntrack(table: ConntrackTable, mapAddressToService?: AddressToService): ConntrackServiceSummary[] {
  interface Acc { service: string; known: boolean; entries: number; dnat: number; snat: number; unreplied: number; assured: number; states: Record<string, number>; endpoints: Map<string, number>; lines: number[] }
  const groups = new Map<string, Acc>();
  for (const entry of table.entries) {
    const d = decodeConntrackEntry(entry);
    const named = mapAddressToService?.(d.service.address, d.service.port, entry.protocol);
    const key = named ?? `${show(d.service)}/${entry.protocol}`;
    let g = groups.get(key);
    if (!g) {
      g = { service: key, known: named !== undefined, entries: 0, dnat: 0, snat: 0, unreplied: 0, assured: 0, states: {}, endpoints: new Map(), lines: [] };
      groups.set(key, g);
    }
    g.entries++;
    if (d.dnat) g.dnat++;
    if (d.snat) g.snat++;
    if (entry.flags.includes('UNREPLIED')) g.unreplied++;
    if (entry.flags.includes('ASSURED')) g.assured++;
    const st = entry.state ?? '-';
    g.states[st] = (g.states[st] ?? 0) + 1;
    const ep = show(d.endpoint);
    g.endpoints.set(ep, (g.endpoints.get(ep) ?? 0) + 1);
    g.lines.push(entry.line);
  }
  return [...groups.values()]
    .sort((a, b) => b.entries - a.entries || (a.service < b.service ? -1 : a.service > b.service ? 1 : 0))
    .map((g) => ({
      service: g.service, known: g.known, entries: g.entries, dnat: g.dnat, snat: g.snat, unreplied: g.unreplied, assured: g.assured,
      states: g.states,
      endpoints: [...g.endpoints].map(([endpoint, entries]) => ({ endpoint, entries })).sort((a, b) => b.entries - a.entries || (a.endpoint < b.endpoint ? -1 : 1)),
      lines: g.lines,
    }));
}

export interface ConntrackCapacityInput {
  /** nf_conntrack_max (default 131,072). */
  readonly max?: number;
  /** How long each entry is held, in seconds (default 120: TCP's TIME_WAIT timeout). */
  readonly timeoutSeconds?: number;
  /** Entries in the table now, if known. */
  readonly current?: number;
}

export interface ConntrackCapacity {
  readonly max: number;
  readonly timeoutSeconds: number;
  /** max / timeout: new connections per second the table can sustain when each entry is held that long. */
  readonly newConnectionsPerSecond: number;
  /** current / max, when current is given. */
  readonly utilization?: number;
  readonly explanation: string;
}

/** The table-capacity arithmetic: 131,072 entries held for 120 s sustain about 1,092 new connections per second. */
export function conntrackCapacity(input: ConntrackCapacityInput = {}): ConntrackCapacity {
  const max = input.max ?? 131072;
  const timeoutSeconds = input.timeoutSeconds ?? 120;
  const rate = timeoutSeconds > 0 ? max / timeoutSeconds : Infinity;
  const fmt = (x: number): string => Math.floor(x).toLocaleString('en-US');
  let explanation = `${fmt(max)} entries / ${fmt(timeoutSeconds)} s ≈ ${Number.isFinite(rate) ? fmt(rate) : 'unlimited'} new connections per second: above that rate, entries held for ${fmt(timeoutSeconds)} s fill nf_conntrack_max and new connections are dropped ("nf_conntrack: table full").`;
  const out: { -readonly [K in keyof ConntrackCapacity]: ConntrackCapacity[K] } = { max, timeoutSeconds, newConnectionsPerSecond: rate, explanation };
  if (input.current !== undefined && max > 0) {
    out.utilization = input.current / max;
    explanation += ` The table holds ${fmt(input.current)} entries now (${(out.utilization * 100).toFixed(1)}% of the maximum).`;
    out.explanation = explanation;
  }
  return out;
}
