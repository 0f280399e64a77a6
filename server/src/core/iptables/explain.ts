import type { Chain, RuleOption } from './model';
import { readMarkOperation } from './canonicalRule';
import { canonicalOptionName } from './parseRuleSpec';

/** kube-proxy's masquerade bit (bit 14) in the packet mark. */
export const MASQUERADE_MARK = 0x4000;

function value(options: readonly RuleOption[], ...names: string[]): RuleOption | undefined {
  return options.find((o) => names.includes(o.name));
}

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

function percent(p: number): string {
  const x = p * 100;
  if (x === 0 || x === 100) return `${x}%`;
  return `${x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2)}%`;
}

/**
 * One or two plain sentences on what `-j NAME [options]` does to a packet. Chain names get a
 * sentence about jumping; kube-proxy's own chains say what they are for.
 */
export function explainTarget(name: string, options: readonly RuleOption[] = [], kind: 'jump' | 'goto' = 'jump'): string {
  switch (name) {
    case 'ACCEPT':
      return 'Accepts the packet: no further rule of this table is evaluated for it, and it goes on to the next table or hook.';
    case 'DROP':
      return 'Drops the packet silently: nothing is sent back, so the client waits until it times out.';
    case 'REJECT': {
      const w = value(options, '--reject-with')?.values[0];
      const how = w === undefined ? 'an ICMP port-unreachable error (the default)'
        : w === 'tcp-reset' ? 'a TCP reset (RST)'
          : `an ICMP ${w.replace(/^icmp6?-/, '').replace(/-/g, ' ')} error (--reject-with ${w})`;
      const refused = w === undefined || w === 'tcp-reset' || /port-unreach/.test(w);
      return `Rejects the packet: it is dropped and the sender gets ${how}, so the connection fails at once${refused ? ' ("connection refused")' : ''}.`;
    }
    case 'RETURN':
      return 'Stops this chain: evaluation continues in the calling chain after the rule that jumped here; in a built-in chain, the chain\'s policy decides.';
    case 'DNAT': {
      const to = value(options, '--to-destination', '--to')?.values[0];
      return `Rewrites the destination${to ? ` to ${to}` : ''} (destination NAT) for this packet and, through conntrack, the whole connection; replies get the original address back. It ends the nat chain for this packet.`;
    }
    case 'SNAT': {
      const to = value(options, '--to-source', '--to')?.values[0];
      return `Rewrites the source${to ? ` to ${to}` : ''} (source NAT) for the whole connection; replies are translated back. It ends the nat chain for this packet.`;
    }
    case 'MASQUERADE': {
      const fully = options.some((o) => o.name === '--random-fully');
      const ports = value(options, '--to-ports')?.values[0];
      return `Rewrites the source address to the address of the interface the packet leaves by (source NAT for the whole connection)${ports ? `, with source ports from ${ports}` : ''}.` +
        (fully ? ' --random-fully picks the source port at random for every connection, which avoids port-allocation races between connections.' : '');
    }
    case 'MARK': {
      const op = readMarkOperation(options);
      if (!op) return 'Changes the packet mark (a number carried with the packet inside this node); evaluation continues with the next rule.';
      const o = options.find((x) => /^--(set-xmark|set-mark|or-mark|xor-mark|and-mark)$/.test(x.name))!;
      let what: string;
      if (o.name === '--or-mark') what = `Sets the bits ${hex(op.value)} in the packet mark (mark |= ${hex(op.value)})`;
      else if (o.name === '--xor-mark') what = `Flips the bits ${hex(op.value)} of the packet mark (mark ^= ${hex(op.value)})`;
      else if (o.name === '--and-mark') what = `Keeps only the bits ${hex(~op.mask >>> 0)} of the packet mark (mark &= ${hex(~op.mask >>> 0)})`;
      else if (op.mask === 0xffffffff) what = `Sets the packet mark to ${hex(op.value)}`;
      else if (op.value === op.mask) what = `Sets the bits ${hex(op.value)} in the packet mark (mark = (mark & ~${hex(op.mask)}) ^ ${hex(op.value)})`;
      else if (op.value === 0) what = `Clears the bits ${hex(op.mask)} of the packet mark (mark &= ~${hex(op.mask)})`;
      else if (op.mask === 0) what = `Flips the bits ${hex(op.value)} of the packet mark (mark ^= ${hex(op.value)})`;
      else what = `Changes the packet mark to (mark & ~${hex(op.mask)}) ^ ${hex(op.value)}`;
      let masq = '';
      if ((op.value & MASQUERADE_MARK) !== 0 && (op.mask & MASQUERADE_MARK) !== 0) masq = ' 0x4000 is kube-proxy\'s masquerade bit: KUBE-POSTROUTING will masquerade this packet.';
      else if ((op.value & MASQUERADE_MARK) !== 0 && op.mask === 0) masq = ' kube-proxy flips the 0x4000 masquerade bit here, after testing that it is set, to clear it before MASQUERADE.';
      else if ((op.mask & MASQUERADE_MARK) !== 0 && (op.value & MASQUERADE_MARK) === 0) masq = ' This clears kube-proxy\'s 0x4000 masquerade bit.';
      return `${what}; evaluation continues with the next rule.${masq}`;
    }
    case 'KUBE-MARK-MASQ':
      return 'Jumps to kube-proxy\'s KUBE-MARK-MASQ chain, which sets the 0x4000 masquerade bit in the packet mark (MARK --or-mark 0x4000) and returns; evaluation continues here. In nat POSTROUTING, KUBE-POSTROUTING then masquerades the packet: its source becomes the node\'s address.';
    case 'KUBE-MARK-DROP':
      return 'Jumps to kubelet\'s KUBE-MARK-DROP chain, which sets the 0x8000 drop bit in the packet mark; KUBE-FIREWALL drops marked packets.';
    case 'KUBE-SERVICES':
      return 'Jumps to kube-proxy\'s KUBE-SERVICES chain: one rule per Service IP and port, sending the packet to that Service port\'s chain; its last rule sends packets for this node\'s own addresses to KUBE-NODEPORTS.';
    case 'KUBE-NODEPORTS':
      return 'Jumps to kube-proxy\'s KUBE-NODEPORTS chain: one rule per NodePort, for packets addressed to this node.';
    case 'KUBE-POSTROUTING':
      return 'Jumps to kube-proxy\'s KUBE-POSTROUTING chain: packets with the 0x4000 masquerade bit get the bit cleared and are masqueraded; others return.';
    case 'KUBE-FORWARD':
      return 'Jumps to kube-proxy\'s KUBE-FORWARD chain: drops INVALID conntrack packets and accepts forwarded packets that are marked for masquerade or belong to known connections.';
    case 'KUBE-EXTERNAL-SERVICES':
      return 'Jumps to kube-proxy\'s KUBE-EXTERNAL-SERVICES chain: drops or rejects traffic from outside to Services that have no (local) endpoints.';
    case 'KUBE-PROXY-FIREWALL':
      return 'Jumps to kube-proxy\'s KUBE-PROXY-FIREWALL chain: drops LoadBalancer traffic that loadBalancerSourceRanges do not allow.';
    case 'KUBE-FIREWALL':
      return 'Jumps to the KUBE-FIREWALL chain: drops packets to 127.0.0.0/8 that come from elsewhere (and, with kubelet\'s mark, packets marked to drop).';
    default:
      break;
  }
  const kubeChain = /^KUBE-(SVC|SVL|EXT|FW|SEP|XLB)-/.exec(name);
  if (kubeChain) {
    const what: Record<string, string> = {
      SVC: 'a Service port\'s chain, which picks one of its endpoints (KUBE-SEP-*)',
      SVL: 'a Service port\'s chain of node-local endpoints only (traffic policy Local)',
      EXT: 'a Service port\'s chain for traffic from outside the cluster (NodePort, LoadBalancer, external IPs)',
      FW: 'a LoadBalancer Service port\'s firewall chain, which admits only loadBalancerSourceRanges',
      SEP: 'one endpoint\'s chain, which masquerades hairpin traffic and DNATs the packet to the endpoint',
      XLB: 'a Service port\'s chain for external traffic with traffic policy Local (older kube-proxy)',
    };
    return `${kind === 'goto' ? 'Goes to' : 'Jumps to'} ${name}, ${what[kubeChain[1]]}.`;
  }
  if (/^[A-Z][A-Z0-9_]*$/.test(name) && !name.includes('-')) {
    return `Target extension ${name}: see iptables-extensions(8) for what it does.`;
  }
  return kind === 'goto'
    ? `Goes to chain ${name} without coming back: when ${name} ends or RETURNs, evaluation continues in the chain that called this one.`
    : `Jumps to chain ${name}; if no rule there ends evaluation, it comes back here and continues with the next rule.`;
}

function ordinal(n: string): string {
  const k = Number(n);
  if (!Number.isInteger(k)) return `${n}th`;
  const teen = k % 100 >= 11 && k % 100 <= 13;
  const suffix = teen ? 'th' : k % 10 === 1 ? 'st' : k % 10 === 2 ? 'nd' : k % 10 === 3 ? 'rd' : 'th';
  return `${k}${suffix}`;
}

function not(o: RuleOption): string {
  return o.negated ? 'not ' : '';
}

const CTSTATES: Readonly<Record<string, string>> = {
  NEW: 'NEW (the first packet of a connection)',
  ESTABLISHED: 'ESTABLISHED (a connection that has seen packets both ways)',
  RELATED: 'RELATED (a new connection that belongs to an existing one, like an ICMP error)',
  INVALID: 'INVALID (a packet conntrack cannot place in any connection)',
  UNTRACKED: 'UNTRACKED (not tracked, see the raw table\'s NOTRACK)',
  DNAT: 'DNAT (a connection whose destination was rewritten)',
  SNAT: 'SNAT (a connection whose source was rewritten)',
};

function sentence(options: readonly RuleOption[], parts: (o: RuleOption, name: string) => string | undefined): string {
  const out: string[] = [];
  for (const o of options) {
    const s = parts(o, canonicalOptionName(o.name));
    if (s) out.push(s);
  }
  return out.join('; ');
}

/**
 * One or two plain sentences on what `-m MODULE options` matches (module '' for the base
 * matches -s -d -p -i -o). For statistic's random mode, `reach` (the fraction of the chain's
 * packets that get to this rule) adds the share of traffic the rule takes.
 */
export function explainMatch(module: string, options: readonly RuleOption[], reach?: number): string {
  switch (module) {
    case '': {
      const s = sentence(options, (o, n) => {
        const v = o.values.join(' ');
        switch (n) {
          case '-s': return `the source address is ${not(o)}in ${v}`;
          case '-d': return `the destination address is ${not(o)}in ${v}`;
          case '-p': return `the protocol is ${not(o)}${v}`;
          case '-i': return `the packet ${o.negated ? 'did not arrive' : 'arrived'} on interface ${v}`;
          case '-o': return `the packet ${o.negated ? 'does not leave' : 'leaves'} by interface ${v}`;
          case '-f': return `the packet is ${not(o)}a second or later fragment`;
          default: return undefined;
        }
      });
      return s ? `Matches when ${s}.` : 'No condition.';
    }
    case 'tcp': case 'udp': case 'sctp': case 'udplite': case 'dccp': {
      const s = sentence(options, (o, n) => {
        const v = o.values.join(' ');
        const range = v.includes(':') ? `in ${v.replace(':', '–')}` : v;
        if (n === '--dport') return `the destination port is ${not(o)}${range}`;
        if (n === '--sport') return `the source port is ${not(o)}${range}`;
        if (n === '--syn') return `it is ${not(o)}a connection-opening SYN`;
        if (n === '--tcp-flags') return `the TCP flags ${o.values[0]} are ${not(o)}exactly ${o.values[1] ?? ''} set`;
        return undefined;
      });
      return s ? `Matches ${module.toUpperCase()} packets when ${s}.` : `Loads the ${module} match (needs -p ${module}); no condition of its own.`;
    }
    case 'multiport': {
      const s = sentence(options, (o, n) => {
        const which = n === '--dports' ? 'destination port' : n === '--sports' ? 'source port' : n === '--ports' ? 'source or destination port' : undefined;
        return which ? `the ${which} is ${not(o)}one of ${o.values.join(' ').replace(/,/g, ', ')}` : undefined;
      });
      return `Matches when ${s || 'one of the listed ports is used'}.`;
    }
    case 'addrtype': {
      const s = sentence(options, (o, n) => {
        const which = n === '--src-type' ? 'source' : n === '--dst-type' ? 'destination' : undefined;
        if (!which) return undefined;
        const t = o.values[0];
        if (t === 'LOCAL') return `the ${which} address is ${o.negated ? 'not ' : ''}one of this node's own addresses (any interface, including 127.0.0.0/8)`;
        return `the ${which} address type is ${not(o)}${t}`;
      });
      return `Matches when ${s || 'the address type matches'}.`;
    }
    case 'statistic': {
      const mode = value(options, '--mode')?.values[0];
      const neg = options.some((o) => o.negated);
      if (mode === 'nth') {
        const every = value(options, '--every')?.values[0] ?? '?';
        const packet = value(options, '--packet')?.values[0] ?? '0';
        return `Matches ${neg ? 'all but ' : ''}every ${ordinal(every)} packet (counter starting at ${packet}) that reaches this rule.`;
      }
      const p = Number(value(options, '--probability')?.values[0]);
      if (Number.isNaN(p)) return 'Matches packets at random.';
      const share = reach !== undefined ? ` ${percent(reach)} of the chain's packets reach this rule, so it takes ${percent(reach * (neg ? 1 - p : p))} of the chain's traffic.` : '';
      return `Matches ${neg ? 'all but ' : ''}${percent(p)} of the packets that reach this rule, at random (probability ${p}).${share}`;
    }
    case 'recent': {
      const name = value(options, '--name')?.values[0] ?? 'DEFAULT';
      const secs = value(options, '--seconds')?.values[0];
      const hits = value(options, '--hitcount')?.values[0];
      const dest = options.some((o) => o.name === '--rdest');
      const who = dest ? 'destination' : 'source';
      const mask = value(options, '--mask')?.values[0];
      const masked = mask && mask !== '255.255.255.255' && !/^f{1,4}(:f{1,4}){7}$/i.test(mask) ? ` (masked with ${mask})` : '';
      const neg = options.some((o) => o.negated);
      if (options.some((o) => o.name === '--set')) return `Records the packet's ${who} address${masked} in the recent list ${name} with the time now, and matches. kube-proxy does this when it picks an endpoint, for session affinity.`;
      const op = options.some((o) => o.name === '--update') ? 'update' : options.some((o) => o.name === '--remove') ? 'remove' : 'rcheck';
      const within = secs ? ` and was seen within the last ${secs} seconds` : '';
      const times = hits ? ` at least ${hits} times` : '';
      const reap = options.some((o) => o.name === '--reap') ? ` --reap also forgets addresses older than ${secs ?? 'the limit'} seconds.` : '';
      const extra = op === 'update' ? ' It also refreshes the time.' : op === 'remove' ? ' It also removes the address from the list.' : '';
      return `Matches when the packet's ${who} address${masked} is ${neg ? 'not ' : ''}in the recent list ${name}${times}${within}: a returning client, which session affinity sends to the same endpoint.${extra}${reap}`;
    }
    case 'conntrack': case 'state': {
      const s = sentence(options, (o, n) => {
        if (n === '--ctstate' || n === '--state') {
          const states = o.values.join(',').split(',').map((x) => CTSTATES[x] ?? x);
          return `the connection's state is ${o.negated ? 'none' : 'one'} of ${states.join(', ')}`;
        }
        if (n === '--ctstatus') return `the connection status is ${not(o)}${o.values.join(',')}`;
        if (n === '--ctorigdst') return `the connection's original destination is ${not(o)}${o.values[0]}`;
        if (n === '--ctorigdstport') return `the connection's original destination port is ${not(o)}${o.values[0]}`;
        return undefined;
      });
      return `Matches when ${s || 'the conntrack condition holds'}.`;
    }
    case 'mark': case 'connmark': {
      const m = value(options, '--mark');
      if (!m) return 'Matches on the packet mark.';
      const [v, mask] = m.values[0].split('/');
      const what = module === 'mark' ? 'packet mark' : 'connection mark';
      const cond = mask === undefined ? `the ${what} ${m.negated ? 'is not' : 'is'} ${v}` : `the ${what} AND ${mask} ${m.negated ? 'is not' : 'is'} ${v}`;
      const masq = Number(v) === MASQUERADE_MARK && (mask === undefined || Number(mask) === MASQUERADE_MARK)
        ? ` That is, kube-proxy's 0x4000 masquerade bit is ${m.negated ? 'not set' : 'set'}.` : '';
      return `Matches when ${cond}.${masq}`;
    }
    case 'comment': {
      const c = value(options, '--comment')?.values.join(' ');
      return `No condition: a comment${c ? ` ("${c}")` : ''} kept with the rule for humans; kube-proxy names the Service port here.`;
    }
    case 'nfacct': {
      const n = value(options, '--nfacct-name')?.values[0];
      return `No condition: counts the packet in the nfacct accounting object${n ? ` ${n}` : ''} (read with \`nfacct list\`).`;
    }
    case 'limit': {
      const rate = value(options, '--limit')?.values[0] ?? '3/hour';
      const burst = value(options, '--limit-burst')?.values[0] ?? '5';
      return `Matches at most ${rate} on average, with bursts of up to ${burst}; packets beyond that rate do not match.`;
    }
    case 'set': {
      const o = value(options, '--match-set');
      return o ? `Matches when the packet's ${o.values[1] ?? ''} address/port is ${o.negated ? 'not ' : ''}in the ipset ${o.values[0]}.` : 'Matches against an ipset.';
    }
    case '(listing)':
      return `A condition printed by iptables -L that could not be read back (\`${value(options, '--text')?.values[0] ?? ''}\`): it is kept as text and cannot be evaluated.`;
    default:
      return `The ${module} match: see iptables-extensions(8) for its options.`;
  }
}

/**
 * For each rule of a chain, the fraction of the packets entering the chain that reach the rule
 * and that the rule takes, following statistic random rules (kube-proxy's endpoint choice): each
 * statistic rule takes its probability of what reaches it. Rules with other conditions are
 * treated as not matching for this arithmetic (reach passes through them unchanged), and an
 * unconditional rule with a target takes everything left.
 */
export function statisticShares(chain: Chain): { readonly reach: number; readonly share: number }[] {
  const out: { reach: number; share: number }[] = [];
  let left = 1;
  for (const rule of chain.rules) {
    const stat = rule.matches.find((m) => m.module === 'statistic');
    const others = rule.matches.filter((m) => m.module !== 'statistic' && m.module !== 'comment');
    let share = 0;
    if (stat) {
      const mode = value(stat.options, '--mode')?.values[0];
      const p = Number(value(stat.options, '--probability')?.values[0]);
      const neg = stat.options.some((o) => o.negated);
      if (mode === 'random' && !Number.isNaN(p) && others.length === 0) share = left * (neg ? 1 - p : p);
    } else if (others.length === 0 && rule.target && rule.target.name !== 'KUBE-MARK-MASQ' && rule.target.name !== 'MARK') {
      share = left;
    }
    out.push({ reach: left, share });
    left -= share;
  }
  return out;
}
