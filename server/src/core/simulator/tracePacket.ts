import type { Chain, Ruleset } from '../iptables/model';
import { compileRule, compileRulePartially, evaluateCheck, isLocalIp, type CompiledRule, type MatchContext } from './compileRule';
import { cidrContains, ipKey, isLoopback, parseCidr, parseIp, type Cidr, type Ip } from './addresses';
import type { Hop, Outcome, Packet, TraceRequest, TraceResult, UnevaluatedRule, Verdict } from './types';

/**
 * The packet simulator: the one engine behind every trace. It walks a new connection's first
 * packet through netfilter the way the kernel does:
 *
 * - from `outside` or a `pod` (arriving on an interface): raw, mangle, nat PREROUTING; the routing
 *   decision (destination is one of the node's addresses → local, else forward); then mangle and
 *   filter INPUT and nat INPUT (local), or mangle and filter FORWARD, mangle and nat POSTROUTING;
 * - from the `node` itself: raw, mangle, nat OUTPUT; routing; filter OUTPUT; mangle and nat
 *   POSTROUTING; and when the destination is local, back in over `lo` through raw/mangle
 *   PREROUTING and mangle/filter INPUT (nat is not consulted again: NAT is decided once per
 *   connection).
 *
 * `-m statistic` branches both ways with exact probabilities, so the result is one outcome per
 * distinct path, in rule order (the "matched" branch first). A match that cannot be decided is
 * recorded in `unevaluated` and treated as not matched. When the request gives the node's routes,
 * the route chosen after nat sets the outgoing interface (`-o`) and MASQUERADE's address per
 * branch. Rules are compiled lazily and cached per ruleset (a WeakMap), so tracing again is cheap.
 */

/** The deepest chain call stack kept before a branch is reported as an error (netfilter itself refuses loops). */
export const MAX_CALL_DEPTH = 64;
/** Jumps and gotos per branch before it is reported as a loop (a goto cycle does not grow the stack). */
export const MAX_JUMPS = 20_000;
/** Branches per trace before the rest are cut off with an error outcome. */
export const MAX_OUTCOMES = 4_096;

interface ChainEntry {
  readonly chain: Chain;
  /** Compiled rules by index, allocated when the chain is first walked. */
  compiled: (CompiledRule | undefined)[] | undefined;
}

type TableIndex = Map<string, ChainEntry>;
type RulesetIndex = Map<string, TableIndex>;

const indexCache = new WeakMap<Ruleset, RulesetIndex>();

/** Chains by table and name, built once per ruleset (the first table or chain of a name wins). */
function indexRuleset(ruleset: Ruleset): RulesetIndex {
  let index = indexCache.get(ruleset);
  if (index) return index;
  index = new Map();
  for (const table of ruleset.tables) {
    let t = index.get(table.name);
    if (!t) {
      t = new Map();
      index.set(table.name, t);
    }
    for (const chain of table.chains) {
      if (!t.has(chain.name)) t.set(chain.name, { chain, compiled: undefined });
    }
  }
  indexCache.set(ruleset, index);
  return index;
}

function compiledRules(entry: ChainEntry): (CompiledRule | undefined)[] {
  return (entry.compiled ??= new Array(entry.chain.rules.length));
}

function compiledAt(table: TableIndex, entry: ChainEntry, i: number): CompiledRule {
  const compiled = compiledRules(entry);
  let c = compiled[i];
  if (!c || c.partial) {
    c = compileRule(entry.chain.rules[i], (name) => table.has(name));
    compiled[i] = c;
  }
  return c;
}

/**
 * Warms the per-ruleset cache ahead of the first trace (optional; tracePacket does the same lazily):
 * builds the chain index and compiles every rule, partially where a plain `-d`/`--dport` allows.
 * A language server can call it in idle time after parsing a large dump.
 */
export function prepareRuleset(ruleset: Ruleset): void {
  const index = indexRuleset(ruleset);
  for (const table of index.values()) {
    for (const entry of table.values()) {
      const cache = compiledRules(entry);
      for (let i = 0; i < entry.chain.rules.length; i++) {
        cache[i] ??= compileRulePartially(entry.chain.rules[i]) ?? compileRule(entry.chain.rules[i], (name) => table.has(name));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The walk

type Step =
  | { readonly kind: 'chain'; readonly table: string; readonly chain: string; readonly nat?: 'dst' | 'src' }
  | { readonly kind: 'route' }
  | { readonly kind: 'loopback' }
  | { readonly kind: 'done'; readonly verdict: Verdict };

interface Frame {
  readonly table: TableIndex;
  readonly entry: ChainEntry;
  next: number;
}

interface State extends MatchContext {
  steps: readonly Step[];
  stepIndex: number;
  /** The chain call stack of the step being run; empty between steps. */
  frames: Frame[];
  tableName: string;
  builtinChain: string;
  packet: Packet;
  src: Ip;
  dst: Ip;
  mark: number;
  ctmark: number;
  probability: number;
  hops: Hop[];
  unevaluated: UnevaluatedRule[];
  notes: string[];
  rulesEvaluated: number;
  jumps: number;
  dnatDone: boolean;
  snatDone: boolean;
  untracked: boolean;
  confirmed: boolean;
  markedForMasquerade: boolean;
  recent: string[];
  readonly original: Packet;
  readonly originalSrc: Ip;
  readonly originalDst: Ip;
  readonly localKeys: ReadonlySet<string>;
  readonly recentLists: readonly string[] | undefined;
  readonly returningClient: boolean;
  readonly ipsets: Readonly<Record<string, readonly string[]>> | undefined;
  inInterface: string | undefined | null;
  outInterface: string | undefined | null;
  /** The destination was local at the routing decision (for the node's loop over lo). */
  local: boolean;
  /** The chosen route's preferred source (MASQUERADE's address), when routes are known. */
  routeSource: string | undefined;
  /** The routing decision after nat was made (`local`, `routedInterface` then hold it). */
  routed: boolean;
  routedInterface: string | undefined | null;
}

/**
 * A state with the given fields, always built by this one literal so every state shares one
 * hidden class (the match loop reads them on every rule). Arrays are copied: a fork owns its own.
 */
function makeState(s: State): State {
  return {
    steps: s.steps, stepIndex: s.stepIndex,
    frames: s.frames.map((f) => ({ table: f.table, entry: f.entry, next: f.next })),
    tableName: s.tableName, builtinChain: s.builtinChain,
    packet: s.packet, src: s.src, dst: s.dst, mark: s.mark, ctmark: s.ctmark, probability: s.probability,
    hops: s.hops.slice(), unevaluated: s.unevaluated.slice(), notes: s.notes.slice(),
    rulesEvaluated: s.rulesEvaluated, jumps: s.jumps,
    dnatDone: s.dnatDone, snatDone: s.snatDone, untracked: s.untracked, confirmed: s.confirmed,
    markedForMasquerade: s.markedForMasquerade, recent: s.recent.slice(),
    original: s.original, originalSrc: s.originalSrc, originalDst: s.originalDst,
    localKeys: s.localKeys, recentLists: s.recentLists, returningClient: s.returningClient, ipsets: s.ipsets,
    inInterface: s.inInterface, outInterface: s.outInterface, local: s.local, routeSource: s.routeSource,
    routed: s.routed, routedInterface: s.routedInterface,
  };
}

const cloneState = makeState;

const chainStep = (table: string, chain: string, nat?: 'dst' | 'src'): Step => (nat ? { kind: 'chain', table, chain, nat } : { kind: 'chain', table, chain });

const INBOUND: readonly Step[] = [
  chainStep('raw', 'PREROUTING'), chainStep('mangle', 'PREROUTING'), chainStep('nat', 'PREROUTING', 'dst'), { kind: 'route' },
];
const INBOUND_LOCAL: readonly Step[] = [
  chainStep('mangle', 'INPUT'), chainStep('filter', 'INPUT'), chainStep('security', 'INPUT'), chainStep('nat', 'INPUT', 'src'),
  { kind: 'done', verdict: 'delivered' },
];
const INBOUND_FORWARD: readonly Step[] = [
  chainStep('mangle', 'FORWARD'), chainStep('filter', 'FORWARD'), chainStep('security', 'FORWARD'),
  chainStep('mangle', 'POSTROUTING'), chainStep('nat', 'POSTROUTING', 'src'), { kind: 'done', verdict: 'forwarded' },
];
const OUTBOUND: readonly Step[] = [
  chainStep('raw', 'OUTPUT'), chainStep('mangle', 'OUTPUT'), chainStep('nat', 'OUTPUT', 'dst'), { kind: 'route' },
];
const OUTBOUND_REST: readonly Step[] = [
  chainStep('filter', 'OUTPUT'), chainStep('security', 'OUTPUT'), chainStep('mangle', 'POSTROUTING'), chainStep('nat', 'POSTROUTING', 'src'),
];
/** A locally generated packet to a local address comes back in over lo; NAT is already decided. */
const LOOPBACK_IN: readonly Step[] = [
  { kind: 'loopback' }, chainStep('raw', 'PREROUTING'), chainStep('mangle', 'PREROUTING'), chainStep('mangle', 'INPUT'), chainStep('filter', 'INPUT'),
  chainStep('security', 'INPUT'), { kind: 'done', verdict: 'delivered' },
];

interface ParsedRoute {
  readonly cidr: Cidr;
  readonly bits: number;
  readonly device?: string;
  readonly source?: string;
}

/** The longest-prefix route for `ip`, if routes were given. */
function lookupRoute(walk: Walk, ip: Ip): ParsedRoute | undefined {
  let best: ParsedRoute | undefined;
  for (const r of walk.routes) {
    if (cidrContains(r.cidr, ip) && (!best || r.bits > best.bits)) best = r;
  }
  return best;
}

function parseRoutes(request: TraceRequest): { routes: ParsedRoute[]; bad: string[] } {
  const routes: ParsedRoute[] = [];
  const bad: string[] = [];
  for (const r of request.routes ?? []) {
    const v6 = r.destination.includes(':') || (r.source?.includes(':') ?? false);
    const text = r.destination === 'default' ? (v6 ? '::/0' : '0.0.0.0/0') : r.destination;
    const cidr = parseCidr(text);
    if (!cidr) {
      bad.push(r.destination);
      continue;
    }
    const slash = text.indexOf('/');
    const bits = slash < 0 ? (cidr.v6 ? 128 : 32) : Number(text.slice(slash + 1));
    const route: { cidr: Cidr; bits: number; device?: string; source?: string } = { cidr, bits };
    if (r.device !== undefined) route.device = r.device;
    if (r.source !== undefined) route.source = r.source;
    routes.push(route);
  }
  return { routes, bad };
}

interface Walk {
  readonly routes: readonly ParsedRoute[];
  readonly request: TraceRequest;
  readonly index: RulesetIndex;
  readonly localKeys: ReadonlySet<string>;
  readonly localIps: readonly { readonly text: string; readonly ip: Ip }[];
  readonly masqMark: number;
  readonly original: Packet;
  readonly originalSrc: Ip;
  readonly originalDst: Ip;
  readonly pending: State[];
  readonly outcomes: Outcome[];
}

function isLocal(walk: Walk, ip: Ip): boolean {
  return isLocalIp(walk, ip);
}

function finish(walk: Walk, s: State, verdict: Verdict, reason?: string): void {
  const outcome: {
    -readonly [K in keyof Outcome]: Outcome[K];
  } = {
    probability: s.probability,
    verdict,
    packet: s.packet,
    masqueraded: s.snatDone || s.markedForMasquerade,
    hops: s.hops,
    rulesEvaluated: s.rulesEvaluated,
    unevaluated: s.unevaluated,
    sourceNatted: s.snatDone,
    markedForMasquerade: s.markedForMasquerade,
  };
  if (reason !== undefined) outcome.reason = reason;
  if (s.notes.length > 0) outcome.notes = s.notes;
  if (s.routed) outcome.routing = typeof s.routedInterface === 'string' ? { local: s.local, outInterface: s.routedInterface } : { local: s.local };
  walk.outcomes.push(outcome);
}

function setMark(walk: Walk, s: State, mark: number): void {
  s.mark = mark >>> 0;
  if ((s.mark & walk.masqMark) === walk.masqMark && walk.masqMark !== 0) s.markedForMasquerade = true;
}

function applyMarkOp(current: number, op: 'set-xmark' | 'set-mark' | 'or' | 'xor' | 'and', value: number, mask: number): number {
  switch (op) {
    case 'set-xmark': return ((current & ~mask) ^ value) >>> 0;
    case 'set-mark': return ((current & ~mask) | value) >>> 0;
    case 'or': return (current | value) >>> 0;
    case 'xor': return (current ^ value) >>> 0;
    case 'and': return (current & value) >>> 0;
  }
}

function setPacket(s: State, packet: Packet): boolean {
  const src = parseIp(packet.src);
  const dst = parseIp(packet.dst);
  if (!src || !dst) return false;
  s.packet = packet;
  s.src = src;
  s.dst = dst;
  return true;
}

/** The source MASQUERADE picks: the chosen route's source, else the request's egressAddress, else the first non-loopback local address of the family (assumed). */
function masqueradeAddress(walk: Walk, s: State): string | undefined {
  if (s.routeSource !== undefined) return s.routeSource;
  if (walk.request.egressAddress) return walk.request.egressAddress;
  const found = walk.localIps.find((l) => l.ip.v6 === s.dst.v6 && !isLoopback(l.ip));
  return found?.text;
}

/** Runs one branch to its end; forks go to walk.pending. */
function run(walk: Walk, s: State): void {
  for (;;) {
    if (s.frames.length === 0) {
      // Between steps: start the next one.
      const step = s.steps[s.stepIndex++];
      if (!step) return finish(walk, s, 'error', 'the walk ran past its last step');
      if (step.kind === 'done') return finish(walk, s, step.verdict);
      if (step.kind === 'route') {
        s.local = isLocal(walk, s.dst);
        const route = s.local ? undefined : lookupRoute(walk, s.dst);
        s.routeSource = route?.source;
        if (walk.request.from === 'node') {
          s.outInterface = s.local ? 'lo' : route?.device ?? walk.request.outInterface;
          s.steps = s.local ? [...OUTBOUND_REST, ...LOOPBACK_IN] : [...OUTBOUND_REST, { kind: 'done', verdict: 'sent' }];
        } else {
          s.steps = s.local ? INBOUND_LOCAL : INBOUND_FORWARD;
          s.outInterface = s.local ? null : route?.device ?? walk.request.outInterface;
        }
        s.routed = true;
        s.routedInterface = s.outInterface;
        s.stepIndex = 0;
        continue;
      }
      if (step.kind === 'loopback') {
        // A locally generated packet to a local address comes back in over lo; its conntrack
        // entry was confirmed at POSTROUTING.
        s.confirmed = true;
        s.inInterface = 'lo';
        s.outInterface = null;
        continue;
      }
      if (step.nat && s.untracked) continue;
      const table = walk.index.get(step.table);
      const entry = table?.get(step.chain);
      if (!table || !entry) continue;
      s.tableName = step.table;
      s.builtinChain = step.chain;
      s.frames.push({ table, entry, next: 0 });
      continue;
    }

    const frame = s.frames[s.frames.length - 1];
    const rules = frame.entry.chain.rules;
    if (frame.next >= rules.length) {
      s.frames.pop();
      if (s.frames.length === 0) {
        if (applyPolicy(walk, s)) return;
      }
      continue;
    }
    const ruleIndex = frame.next++;
    const rule = rules[ruleIndex];
    const cache = frame.entry.compiled ?? compiledRules(frame.entry);
    let compiled = cache[ruleIndex];
    if (!compiled) {
      compiled = compileRulePartially(rule) ?? compiledAt(frame.table, frame.entry, ruleIndex);
      cache[ruleIndex] = compiled;
    }
    s.rulesEvaluated++;

    // Matches: false anywhere → not matched; otherwise any undecidable → recorded, not matched.
    let probability = 1;
    let reasons: string[] | undefined;
    let matched = true;
    const checks = compiled.checks;
    for (let c = 0; c < checks.length; c++) {
      const a = evaluateCheck(checks[c], s);
      if (a === true) continue;
      if (a === false) {
        matched = false;
        break;
      }
      if (typeof a === 'number') probability *= a;
      else (reasons ??= []).push(a);
    }
    if (!matched) continue;
    if (compiled.partial) {
      // The partial check passed: compile the whole rule and evaluate it again.
      compiledAt(frame.table, frame.entry, ruleIndex);
      frame.next--;
      s.rulesEvaluated--;
      continue;
    }
    if (reasons) {
      unevaluated(s, rule, reasons.join('; '));
      continue;
    }
    if (probability < 1) {
      const other = cloneState(s);
      other.probability = s.probability * (1 - probability);
      // This branch, the ones waiting and the ones done: a new one must not exceed the limit.
      if (walk.outcomes.length + walk.pending.length + 1 >= MAX_OUTCOMES) {
        finish(walk, other, 'error', `more than ${MAX_OUTCOMES} branches: the "not matched" branch at line ${rule.line + 1} was not followed`);
      } else {
        walk.pending.push(other);
      }
      s.probability *= probability;
    }
    for (const name of compiled.recentSet) if (!s.recent.includes(name)) s.recent.push(name);

    if (applyTarget(walk, s, frame, compiled, rule)) return;
  }
}

function hop(s: State, action: string, rule?: { readonly text: string; readonly line: number }, chain?: string, note?: string): void {
  const h: { -readonly [K in keyof Hop]: Hop[K] } = {
    table: s.tableName,
    chain: chain ?? s.frames[s.frames.length - 1]?.entry.chain.name ?? s.builtinChain,
    action,
    packet: s.packet,
    mark: s.mark,
    probability: s.probability,
  };
  if (rule) {
    h.rule = rule.text;
    h.line = rule.line;
  }
  if (note !== undefined) h.note = note;
  s.hops.push(h);
}

type RuleRef = { readonly text: string; readonly line: number; readonly comment?: string; readonly table: string; readonly chain: string };

/** Records a rule the simulator could not decide; the walk goes on as if it did not match. */
function unevaluated(s: State, rule: RuleRef, reason: string): void {
  s.unevaluated.push({ table: rule.table, chain: rule.chain, rule: rule.text, line: rule.line, reason: `${reason} (treated as not matched)` });
}

/** Rewrites the packet for a NAT target; false (recorded as unevaluated) when the address is unusable. */
function rewrite(s: State, rule: RuleRef, kind: string, packet: Packet): boolean {
  if (setPacket(s, packet)) return true;
  unevaluated(s, rule, `${kind.toUpperCase()} to ${kind === 'dnat' || kind === 'redirect' ? packet.dst : packet.src}: not an address`);
  return false;
}

/** A built-in chain ran off its end: its policy decides. Returns true when the branch ended. */
function applyPolicy(walk: Walk, s: State): boolean {
  const entry = walk.index.get(s.tableName)?.get(s.builtinChain);
  const policy = entry?.chain.policy ?? 'ACCEPT';
  if (policy === 'DROP') {
    hop(s, 'policy', undefined, s.builtinChain, 'policy DROP');
    finish(walk, s, 'dropped', `${s.tableName} ${s.builtinChain} policy DROP`);
    return true;
  }
  if (policy !== 'ACCEPT' && policy !== '-') {
    s.notes.push(`${s.tableName} ${s.builtinChain} policy ${policy} is not understood; taken as ACCEPT (assumed)`);
  }
  if (entry?.chain.policy === 'ACCEPT' && entry.chain.rules.length > 0) hop(s, 'policy', undefined, s.builtinChain, 'policy ACCEPT');
  return false;
}

/** Ends the current step (ACCEPT, or a NAT verdict) and moves on. */
function endStep(s: State): void {
  s.frames.length = 0;
}

function applyTarget(walk: Walk, s: State, frame: Frame, compiled: CompiledRule, rule: RuleRef): boolean {
  const t = compiled.target;
  switch (t.kind) {
    case 'none':
      return false;
    case 'accept':
      hop(s, 'accept', rule);
      endStep(s);
      return false;
    case 'drop':
      hop(s, 'drop', rule);
      finish(walk, s, 'dropped', rule.comment);
      return true;
    case 'reject': {
      hop(s, 'reject', rule);
      const rejectWith = t.rejectWith ?? (s.dst.v6 ? 'icmp6-port-unreachable' : 'icmp-port-unreachable');
      finish(walk, s, 'rejected', rule.comment !== undefined ? `${rule.comment} (${rejectWith})` : rejectWith);
      return true;
    }
    case 'return':
      hop(s, 'return', rule);
      s.frames.pop();
      if (s.frames.length === 0) return applyPolicy(walk, s);
      return false;
    case 'jump':
    case 'goto': {
      const entry = frame.table.get(t.chain);
      if (!entry) {
        unevaluated(s, rule, `${t.kind === 'jump' ? '-j' : '-g'} ${t.chain}: no such chain in table ${s.tableName}`);
        return false;
      }
      s.jumps++;
      if (s.jumps > MAX_JUMPS || (t.kind === 'jump' && s.frames.length >= MAX_CALL_DEPTH)) {
        hop(s, t.kind, rule);
        const why = s.jumps > MAX_JUMPS ? `more than ${MAX_JUMPS} jumps` : `chain calls nested deeper than ${MAX_CALL_DEPTH}`;
        finish(walk, s, 'error', `${why} at ${rule.chain} → ${t.chain}: a jump cycle`);
        return true;
      }
      hop(s, t.kind, rule);
      if (t.kind === 'goto') s.frames.pop();
      s.frames.push({ table: frame.table, entry, next: 0 });
      return false;
    }
    case 'mark':
      setMark(walk, s, applyMarkOp(s.mark, t.op, t.value, t.mask));
      hop(s, 'mark', rule);
      return false;
    case 'connmark-set':
      s.ctmark = applyMarkOp(s.ctmark, t.op, t.value, t.mask);
      hop(s, 'connmark', rule);
      return false;
    case 'connmark-save':
      s.ctmark = ((s.ctmark & ~t.ctmask) | (s.mark & t.nfmask)) >>> 0;
      hop(s, 'connmark', rule);
      return false;
    case 'connmark-restore':
      setMark(walk, s, ((s.mark & ~t.nfmask) | (s.ctmark & t.ctmask)) >>> 0);
      hop(s, 'connmark', rule);
      return false;
    case 'notrack':
      s.untracked = true;
      hop(s, 'notrack', rule);
      return false;
    case 'noop':
      hop(s, t.name.toLowerCase(), rule);
      return false;
    case 'unsupported':
      unevaluated(s, rule, t.reason);
      return false;
    case 'dnat':
    case 'redirect': {
      if (s.tableName !== 'nat') {
        unevaluated(s, rule, `${t.kind.toUpperCase()} outside the nat table`);
        return false;
      }
      let addr: string;
      let note: string | undefined = t.note;
      if (t.kind === 'dnat') addr = t.addr ?? s.packet.dst;
      else {
        // REDIRECT: to the node itself (127.0.0.1 / ::1 for locally generated packets).
        const local = walk.request.from === 'node' ? (s.dst.v6 ? '::1' : '127.0.0.1') : walk.localIps.find((l) => l.ip.v6 === s.dst.v6 && !isLoopback(l.ip))?.text;
        addr = local ?? s.packet.dst;
        if (!local) note = [note, 'no local address of this family to REDIRECT to; destination kept'].filter(Boolean).join('; ');
      }
      const packet: Packet = { ...s.packet, dst: addr, dport: t.port ?? s.packet.dport };
      if (!rewrite(s, rule, t.kind, packet)) return false;
      s.dnatDone = true;
      if (note) s.notes.push(note);
      hop(s, t.kind, rule, undefined, note);
      endStep(s);
      return false;
    }
    case 'snat':
    case 'masquerade': {
      if (s.tableName !== 'nat') {
        unevaluated(s, rule, `${t.kind.toUpperCase()} outside the nat table`);
        return false;
      }
      let note = t.note;
      let addr: string | undefined = t.kind === 'snat' ? t.addr ?? s.packet.src : masqueradeAddress(walk, s);
      if (addr === undefined) {
        addr = s.packet.src;
        note = [note, 'no egress address known for MASQUERADE: source kept (give egressAddress or a local address)'].filter(Boolean).join('; ');
      } else if (t.kind === 'masquerade' && !walk.request.egressAddress && s.routeSource === undefined) {
        note = [note, `MASQUERADE source ${addr}: the node's first address (assumed; give egressAddress)`].filter(Boolean).join('; ');
      }
      const packet: Packet = { ...s.packet, src: addr, sport: t.port ?? s.packet.sport };
      if (!rewrite(s, rule, t.kind, packet)) return false;
      s.snatDone = true;
      if (note) s.notes.push(note);
      hop(s, t.kind, rule, undefined, note);
      endStep(s);
      return false;
    }
  }
}

function errorResult(request: TraceRequest, reason: string): TraceResult {
  return { outcomes: [{ probability: 1, verdict: 'error', packet: request.packet, masqueraded: false, hops: [], rulesEvaluated: 0, unevaluated: [], reason, sourceNatted: false, markedForMasquerade: false }] };
}

/** Traces the first packet of a new connection through `ruleset`. Never throws. */
export function tracePacket(ruleset: Ruleset, request: TraceRequest): TraceResult {
  const src = parseIp(request.packet.src);
  const dst = parseIp(request.packet.dst);
  if (!src) return errorResult(request, `source ${request.packet.src} is not an IP address`);
  if (!dst) return errorResult(request, `destination ${request.packet.dst} is not an IP address`);
  if (src.v6 !== dst.v6) return errorResult(request, 'source and destination are of different address families');
  const localIps: { text: string; ip: Ip }[] = [];
  for (const text of request.localAddresses) {
    const ip = parseIp(text);
    if (ip) localIps.push({ text, ip });
  }
  const parsedRoutes = parseRoutes(request);
  const walk: Walk = {
    routes: parsedRoutes.routes,
    request,
    index: indexRuleset(ruleset),
    localKeys: new Set(localIps.map((l) => ipKey(l.ip))),
    localIps,
    masqMark: (request.masqueradeMark ?? 0x4000) >>> 0,
    original: request.packet,
    originalSrc: src,
    originalDst: dst,
    pending: [],
    outcomes: [],
  };
  const fromNode = request.from === 'node';
  const initial: State = makeState({
    steps: fromNode ? OUTBOUND : INBOUND,
    stepIndex: 0,
    frames: [],
    tableName: '',
    builtinChain: '',
    packet: request.packet,
    src,
    dst,
    mark: (request.mark ?? 0) >>> 0,
    ctmark: 0,
    probability: 1,
    hops: [],
    unevaluated: [],
    notes: [],
    rulesEvaluated: 0,
    jumps: 0,
    dnatDone: false,
    snatDone: false,
    untracked: false,
    confirmed: false,
    markedForMasquerade: false,
    recent: [],
    original: request.packet,
    originalSrc: src,
    originalDst: dst,
    localKeys: walk.localKeys,
    recentLists: request.recentLists,
    returningClient: request.returningClient === true,
    ipsets: request.ipsets,
    inInterface: fromNode ? null : request.inInterface,
    outInterface: fromNode ? request.outInterface : null,
    local: false,
    routeSource: undefined,
    routed: false,
    routedInterface: undefined,
  });
  if (fromNode) {
    // A locally generated packet is routed before the OUTPUT chains (for -o and its source).
    const route = isLocal(walk, dst) ? undefined : lookupRoute(walk, dst);
    initial.outInterface = isLocal(walk, dst) ? 'lo' : route?.device ?? request.outInterface;
    initial.routeSource = route?.source;
  }
  setMark(walk, initial, initial.mark);
  const unevaluatedIfaces: string[] = [];
  if (request.localAddresses.length !== localIps.length) {
    unevaluatedIfaces.push(`local addresses that are not IP addresses were ignored: ${request.localAddresses.filter((a) => !parseIp(a)).join(', ')}`);
  }
  if (parsedRoutes.bad.length > 0) unevaluatedIfaces.push(`routes that are not CIDRs were ignored: ${parsedRoutes.bad.join(', ')}`);
  initial.notes.push(...unevaluatedIfaces);
  // A partial dump (one table from `iptables -t nat -S`, a pasted listing): the tables it lacks
  // are walked as empty, which may not be what the node does. Say so on every outcome.
  const present = new Set(ruleset.tables.map((t) => t.name));
  if (present.size > 0) {
    for (const table of ['nat', 'filter']) {
      if (!present.has(table)) initial.notes.push(`the ruleset has no ${table} table: its chains were taken as empty (ACCEPT), so on the node this path may end differently`);
    }
  }
  walk.pending.push(initial);
  while (walk.pending.length > 0) {
    const s = walk.pending.pop() as State;
    run(walk, s);
  }
  return { outcomes: walk.outcomes };
}
