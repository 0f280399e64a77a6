/**
 * Differential test: deterministic pseudo-random rules (IP part, matches and targets in random
 * order with random values, every form formatSave models) are loaded into a fresh namespace with
 * the real iptables-restore (legacy and nft; ip6tables for IPv6), read back with iptables-save and
 * compared with formatSave byte for byte. The seed is fixed (KPP_FUZZ_SEED overrides it) so a
 * failure reproduces. Needs root; FAILS without the tools unless KPP_SKIP_KERNEL=1.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSave, withoutSaveComments } from '../../../server/src/core/save/formatSave';
import { createNetns, kernelTestsSkipped, missingKernelPrerequisites } from '../lib/netns';
import { mulberry32 } from '../../lib/prng';

type Family = 'ipv4' | 'ipv6';

const skip = kernelTestsSkipped() ? 'KPP_SKIP_KERNEL=1' : false;
const missing = skip ? undefined : missingKernelPrerequisites(['iptables-legacy-restore', 'iptables-nft-restore', 'ip6tables-legacy-restore', 'ip6tables-nft-restore', 'nfacct']);
const SEED = Number(process.env.KPP_FUZZ_SEED ?? 20261128);
const NFACCT = ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts'];

const prng = mulberry32;

class Gen {
  private readonly r: () => number;
  constructor(seed: number, readonly family: Family) {
    this.r = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)];
  }
  subset<T>(xs: readonly T[]): T[] {
    const out = xs.filter(() => this.chance(0.4));
    return out.length ? this.shuffle(out) : [this.pick(xs)];
  }
  shuffle<T>(xs: readonly T[]): T[] {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
  num(max: number): string {
    const v = this.int(0, max);
    return this.chance(0.5) ? String(v) : '0x' + v.toString(this.chance(0.5) ? 16 : 16).toUpperCase().replace('0X', '');
  }
  addr(): string {
    if (this.family === 'ipv4') return [0, 0, 0, 0].map(() => this.int(0, 255)).join('.');
    const groups = [0, 0, 0, 0, 0, 0, 0, 0].map(() => (this.chance(0.5) ? 0 : this.int(0, 0xffff)));
    return groups.map((g) => g.toString(16)).join(':');
  }
  /** A network; negated ones never get /0, which iptables-nft refuses (legacy takes it). */
  network(negated = false): string {
    const bits = this.family === 'ipv4' ? 32 : 128;
    const a = this.addr();
    const form = this.int(0, 2);
    if (form === 0) return a;
    return `${a}/${this.int(negated ? 1 : 0, bits)}`;
  }
  negatedNetwork(flags: readonly string[]): string[] {
    const neg = this.chance(0.3);
    return [...(neg ? ['!'] : []), this.pick(flags), this.network(neg)];
  }
  comment(): string {
    const chars = 'abcXYZ019 -_/:."\'\\$`,;=+()[]{}é✓\t';
    let s = '';
    for (let i = this.int(0, 24); i > 0; i--) s += this.pick([...chars]);
    return '"' + s.replace(/["\\]/g, (c) => '\\' + c) + '"';
  }
  ports(proto: string): string {
    const p = (): number => this.int(0, 65535);
    const a = p();
    const b = p();
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    const form = this.int(0, 4);
    if (form === 0) return String(lo);
    if (form === 1) return `${lo}:${hi}`;
    if (form === 2) return `${lo}:`;
    if (form === 3) return `:${hi}`;
    return proto === 'sctp' ? `${lo}:${hi}` : '0:65535';
  }
}

interface Built {
  readonly text: string;
  readonly rules: number;
}

function buildRuleset(seed: number, family: Family, count: number): Built {
  const g = new Gen(seed, family);
  const chains = ['KUBE-A', 'KUBE-B', 'KUBE-C'];
  const filter: string[] = [];
  const nat: string[] = [];
  for (let i = 0; i < count; i++) {
    const table = g.chance(0.6) ? 'filter' : 'nat';
    const parts: string[][] = [];
    if (g.chance(0.4)) parts.push(g.negatedNetwork(['-s', '--src', '--source']));
    if (g.chance(0.4)) parts.push(g.negatedNetwork(['-d', '--dst']));
    if (g.chance(0.15)) parts.push([...(g.chance(0.3) ? ['!'] : []), '-i', g.pick(['eth0', 'veth+', 'cni0'])]);
    if (g.chance(0.15)) parts.push([...(g.chance(0.3) ? ['!'] : []), g.pick(['-o', '--out-interface']), g.pick(['eth1', 'br+', 'a23456789012345'])]);
    if (family === 'ipv4' && g.chance(0.1)) parts.push([...(g.chance(0.5) ? ['!'] : []), g.pick(['-f', '--fragment'])]);
    // A negated protocol (`! -p udp`) loads no protocol match and allows no ports.
    const negProto = g.chance(0.1) ? g.pick(['udp', 'icmp', '47']) : undefined;
    const proto = negProto ? undefined : g.chance(0.6) ? g.pick(['tcp', 'udp', 'sctp', 'TCP', '6', '17']) : undefined;
    const protoName = proto === undefined ? undefined : ({ TCP: 'tcp', '6': 'tcp', '17': 'udp' } as Record<string, string>)[proto] ?? proto;
    if (negProto) parts.push(['!', '-p', negProto]);
    const matchCount = g.int(0, 3);
    let implicitPorts: string[] | undefined;
    for (let m = 0; m < matchCount; m++) {
      const kind = g.pick(['comment', 'conntrack', 'mark', 'statistic', 'recent', 'addrtype', 'nfacct', 'ports', 'multiport', 'state']);
      switch (kind) {
        case 'comment':
          parts.push(['-m', 'comment', '--comment', g.comment()]);
          break;
        case 'conntrack':
          {
            const opts = [[...(g.chance(0.3) ? ['!'] : []), '--ctstate', g.subset(['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED', 'SNAT', 'DNAT', 'new']).join(',')]];
            if (g.chance(0.3)) opts.push([...(g.chance(0.3) ? ['!'] : []), '--ctstatus', g.subset(['EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED']).join(',')]);
            if (g.chance(0.2)) opts.push(['--ctdir', g.pick(['ORIGINAL', 'REPLY'])]);
            parts.push(['-m', 'conntrack', ...g.shuffle(opts).flat()]);
          }
          break;
        case 'state':
          parts.push(['-m', 'state', '--state', g.subset(['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED']).join(',')]);
          break;
        case 'mark':
          parts.push(['-m', 'mark', ...(g.chance(0.3) ? ['!'] : []), '--mark', g.chance(0.5) ? g.num(0xffff) : `${g.num(0xffff)}/${g.num(0xffffffff)}`]);
          break;
        case 'statistic':
          if (g.chance(0.7)) parts.push(['-m', 'statistic', '--mode', 'random', '--probability', (g.int(0, 1e10) / 1e10).toFixed(g.int(1, 10))]);
          else {
            const every = g.int(1, 50);
            parts.push(['-m', 'statistic', '--mode', 'nth', '--every', String(every), '--packet', String(g.int(0, every - 1))]);
          }
          break;
        case 'recent': {
          const action = g.pick(['--set', '--rcheck', '--update', '--remove']);
          const opts = [[...(g.chance(0.2) ? ['!'] : []), action], ['--name', g.pick(['KUBE-SEP-X', 'foo', 'bar_1'])]];
          // The kernel takes --seconds, --hitcount, --reap and --rttl with --rcheck and --update only.
          if (action === '--rcheck' || action === '--update') {
            if (g.chance(0.5)) {
              opts.push(['--seconds', String(g.int(1, 100000))]);
              if (g.chance(0.5)) opts.push(['--reap']);
            }
            if (g.chance(0.3)) opts.push(['--hitcount', String(g.int(1, 20))]);
            if (g.chance(0.2)) opts.push(['--rttl']);
          }
          if (g.chance(0.3)) opts.push(['--mask', family === 'ipv4' ? g.pick(['255.255.255.0', '255.255.0.0']) : g.pick(['ffff:ffff::', 'ffff::'])]);
          if (g.chance(0.4)) opts.push([g.pick(['--rsource', '--rdest'])]);
          parts.push(['-m', 'recent', ...g.shuffle(opts).flat()]);
          break;
        }
        case 'addrtype': {
          const opts: string[][] = [];
          // IPv6 has no BROADCAST, BLACKHOLE, PROHIBIT, THROW, NAT or XRESOLVE (the kernel refuses them).
          const srcTypes = family === 'ipv4' ? ['LOCAL', 'UNICAST', 'BROADCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'local'] : ['LOCAL', 'UNICAST', 'MULTICAST', 'UNREACHABLE', 'local'];
          const dstTypes = family === 'ipv4' ? ['LOCAL', 'UNICAST', 'ANYCAST', 'THROW', 'NAT', 'XRESOLVE', 'UNSPEC'] : ['LOCAL', 'UNICAST', 'ANYCAST', 'UNSPEC'];
          if (g.chance(0.6)) opts.push([...(g.chance(0.3) ? ['!'] : []), '--src-type', g.subset(srcTypes).join(',')]);
          if (!opts.length || g.chance(0.6)) opts.push([...(g.chance(0.3) ? ['!'] : []), '--dst-type', g.subset(dstTypes).join(',')]);
          parts.push(['-m', 'addrtype', ...g.shuffle(opts).flat()]);
          break;
        }
        case 'nfacct':
          parts.push(['-m', 'nfacct', '--nfacct-name', g.pick(NFACCT)]);
          break;
        case 'ports':
          if (!protoName || implicitPorts || parts.some((p) => p[0] === '-m' && p[1] === protoName)) break;
          {
            const opts: string[][] = [];
            if (g.chance(0.6)) opts.push([...(g.chance(0.3) ? ['!'] : []), g.pick(['--sport', '--source-port']), g.ports(protoName)]);
            if (!opts.length || g.chance(0.6)) opts.push([...(g.chance(0.3) ? ['!'] : []), g.pick(['--dport', '--destination-port']), g.ports(protoName)]);
            if (protoName === 'tcp' && g.chance(0.3)) opts.push(g.chance(0.5) ? ['--syn'] : ['--tcp-flags', g.subset(['SYN', 'ACK', 'FIN', 'RST', 'URG', 'PSH']).join(','), g.subset(['SYN', 'ACK', 'NONE']).join(',')]);
            // Sometimes name the match, sometimes let iptables load it implicitly.
            const body = g.shuffle(opts).flat();
            if (g.chance(0.5) && !parts.some((p) => p[0] === '-m' && p[1] === protoName)) parts.push(['-m', protoName, ...body]);
            else if (!parts.some((p) => p[0] === '-m' && p[1] === protoName)) {
              parts.push(body);
              implicitPorts = body;
            }
          }
          break;
        case 'multiport':
          if (!protoName) break;
          {
            const n = g.int(1, 7);
            const ps: string[] = [];
            for (let k = 0; k < n; k++) ps.push(g.chance(0.7) ? String(g.int(1, 65535)) : `${g.int(1, 30000)}:${g.int(30001, 65535)}`);
            parts.push(['-m', 'multiport', ...(g.chance(0.3) ? ['!'] : []), g.pick(['--dports', '--sports', '--ports', '--destination-ports']), ps.join(',')]);
          }
          break;
      }
    }
    // With multiport loaded, getopt would take `--dport` / `--source-port` for multiport's
    // `--dports` / `--source-ports` (an abbreviation), so the port match must be named then.
    if (implicitPorts && protoName && parts.some((p) => p[1] === 'multiport')) implicitPorts.unshift('-m', protoName);
    // Target.
    const portProto = protoName === 'tcp' || protoName === 'udp' || protoName === 'sctp';
    const targets = table === 'filter' ? ['ACCEPT', 'DROP', 'RETURN', 'chain', 'REJECT', 'MARK', 'none'] : ['ACCEPT', 'RETURN', 'chain', 'MARK', 'DNAT', 'SNAT', 'MASQUERADE', 'none'];
    const t = g.pick(targets);
    let target: string[] = [];
    if (t === 'chain') target = [g.chance(0.8) ? '-j' : '-g', g.pick(chains)];
    else if (t === 'REJECT') {
      const types = family === 'ipv4'
        ? ['icmp-net-unreachable', 'icmp-host-unreachable', 'icmp-port-unreachable', 'icmp-proto-unreachable', 'icmp-net-prohibited', 'icmp-host-prohibited', 'icmp-admin-prohibited', 'port-unreach', 'host-prohib']
        : ['icmp6-no-route', 'icmp6-adm-prohibited', 'icmp6-addr-unreachable', 'icmp6-port-unreachable', 'no-route', 'addr-unreach'];
      target = ['-j', 'REJECT', ...(g.chance(0.6) ? ['--reject-with', g.pick(types)] : [])];
      if (protoName === 'tcp' && g.chance(0.3)) target = ['-j', 'REJECT', '--reject-with', family === 'ipv4' ? g.pick(['tcp-reset', 'tcp-rst']) : 'tcp-reset'];
    } else if (t === 'MARK') {
      const opt = g.pick(['--set-xmark', '--set-mark', '--and-mark', '--or-mark', '--xor-mark']);
      const v = opt === '--set-xmark' || opt === '--set-mark' ? (g.chance(0.5) ? g.num(0xffffffff) : `${g.num(0xffff)}/${g.num(0xffffffff)}`) : g.num(0xffffffff);
      target = ['-j', 'MARK', opt, v];
    } else if (t === 'DNAT' || t === 'SNAT') {
      const a = g.addr();
      let range = a;
      if (portProto && g.chance(0.6)) {
        const p = g.int(1, 65535);
        const q = g.chance(0.3) ? `-${g.int(p, 65535)}` : '';
        range = family === 'ipv6' ? `[${a}]:${p}${q}` : `${a}:${p}${q}`;
      }
      // DNAT has no --random-fully.
      const flags = t === 'DNAT' ? ['--random', '--persistent'] : ['--random', '--random-fully', '--persistent'];
      target = ['-j', t, t === 'DNAT' ? '--to-destination' : '--to-source', range, ...g.subset(flags).filter(() => g.chance(0.5))];
    } else if (t === 'MASQUERADE') {
      target = ['-j', 'MASQUERADE'];
      if (portProto && g.chance(0.4)) target.push('--to-ports', String(g.int(1, 30000)) + (g.chance(0.5) ? `-${g.int(30001, 65535)}` : ''));
      target.push(...g.subset(['--random', '--random-fully']).filter(() => g.chance(0.5)));
    } else if (t !== 'none') target = ['-j', t];
    // The IP part, matches and target may come in any order on input; keep target options with -j.
    // multiport and the NAT targets read -p while parsing, so -p goes first when there is one.
    const all = g.shuffle(parts);
    if (target.length) all.splice(g.int(0, all.length), 0, target);
    if (proto) all.unshift(['-p', proto]);
    const line = `-A ${g.pick(chains)} ${all.flat().join(' ')}`.trimEnd();
    (table === 'filter' ? filter : nat).push(line);
  }
  const decl = chains.map((c) => `:${c} - [0:0]`);
  const text = ['*filter', ...decl, ...filter, 'COMMIT', '*nat', ...decl, ...nat, 'COMMIT', ''].join('\n');
  return { text, rules: count };
}

describe('differential: random rules through the real iptables equal formatSave', { skip }, () => {
  test('prerequisites', () => assert.equal(missing, undefined, missing));
  if (missing) return;
  for (const family of ['ipv4', 'ipv6'] as const) {
    for (const flavour of ['legacy', 'nft'] as const) {
      test(`${family} ${flavour}: 400 random rules (seed ${SEED})`, () => {
        const { text } = buildRuleset(SEED + (family === 'ipv6' ? 1 : 0), family, 400);
        const model = formatSave(text, flavour, family);
        const ns = createNetns(`df${flavour}`);
        try {
          for (const n of NFACCT) ns.execOk(['nfacct', 'add', n]);
          const tool = family === 'ipv6' ? 'ip6tables' : 'iptables';
          const r = ns.exec([`${tool}-${flavour}-restore`], { input: text });
          const lines = text.split('\n');
          const modelErr = model.errors.find((e) => e.severity === 'error');
          if (r.status !== 0) {
            const m = /line:? (\d+)/.exec(r.stderr);
            const at = m ? lines[Number(m[1]) - 1] : '?';
            assert.fail(`the kernel refused a generated rule formatSave ${modelErr ? `also refused (${modelErr.message})` : 'accepted'}: ${r.stderr.trim()}\n  ${at}`);
          }
          assert.equal(modelErr, undefined, `formatSave refused what the kernel accepted: ${modelErr?.message} at "${text.slice(modelErr?.span.start, modelErr?.span.end)}"`);
          const real = ns.execOk([`${tool}-${flavour}-save`]).stdout;
          assert.equal(withoutSaveComments(model.text), withoutSaveComments(real));
        } finally {
          ns.delete();
        }
      });
    }
  }
});
