import type { IpFamily, Rule, RuleOption } from './model';
import { canonicalOptionName, protocolModule } from './parseRuleSpec';

/**
 * The MARK target's effect as xt_MARK applies it: `mark = (mark & ~mask) ^ value`. iptables-save
 * prints every form as `--set-xmark value/mask`: `--or-mark X` is X/X, `--xor-mark X` is X/0,
 * `--and-mark X` is 0/~X, `--set-mark X[/M]` is X/(M|X) with M defaulting to 0xffffffff.
 * Undefined when the options hold no mark operation or a value is not a number.
 */
export function readMarkOperation(options: readonly RuleOption[]): { readonly value: number; readonly mask: number } | undefined {
  for (const o of options) {
    const v = o.values[0];
    if (v === undefined) continue;
    const [a, b] = v.split('/');
    const x = Number(a);
    const m = b === undefined ? undefined : Number(b);
    if (Number.isNaN(x) || (m !== undefined && Number.isNaN(m))) return undefined;
    switch (o.name) {
      case '--set-xmark': return { value: x >>> 0, mask: (m ?? 0xffffffff) >>> 0 };
      case '--set-mark': return { value: x >>> 0, mask: ((m ?? 0xffffffff) | x) >>> 0 };
      case '--or-mark': return { value: x >>> 0, mask: x >>> 0 };
      case '--xor-mark': return { value: x >>> 0, mask: 0 };
      case '--and-mark': return { value: 0, mask: (~x) >>> 0 };
    }
  }
  return undefined;
}

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

function normalizeAddress(v: string): string {
  if (v.includes('/')) return v;
  if (v.includes(':')) return v + '/128';
  if (/^\d+(\.\d+){3}$/.test(v)) return v + '/32';
  return v; // a host name (a listing without -n)
}

function normalizeMarkMatch(v: string): string {
  const [a, b] = v.split('/');
  const x = Number(a);
  const m = b === undefined ? 0xffffffff : Number(b);
  if (Number.isNaN(x) || Number.isNaN(m)) return v;
  return `${hex(x)}/${hex(m)}`;
}

function normalizeValues(module: string, name: string, values: readonly string[]): string {
  switch (name) {
    case '-s': case '-d': return values.map(normalizeAddress).join(' ');
    case '-p': return values.map((v) => protocolModule(v)).join(' ');
    case '--probability': return values.map((v) => String(Number(v))).join(' ');
    case '--ctstate': case '--state': return values.map((v) => v.split(',').sort().join(',')).join(' ');
    case '--mark': return module === 'mark' || module === 'connmark' ? values.map(normalizeMarkMatch).join(' ') : values.join(' ');
    default: return values.join(' ');
  }
}

/**
 * A canonical text for what a rule does, the same for kube-proxy's iptables-restore input, the
 * kernel's iptables-save / -S output of it and the -L listing read back: option order, long and
 * short names, `-m tcp` versus implicit `-p tcp` options, `/32` on host addresses, probability
 * digits, the MARK operation's spelling, and the defaults the kernel adds (recent's `--mask` and
 * `--rsource`, REJECT's `--reject-with`) are all normalised. Comments are kept; counters, spans and
 * the chain name are not part of it.
 */
export function canonicalRuleKey(rule: Rule, family: IpFamily = 'ipv4'): string {
  const parts: string[] = [];
  for (const m of rule.matches) {
    const module = m.module;
    if (module !== '') parts.push(`-m ${module}`);
    let recentSide = false;
    let recentMask = false;
    for (const o of m.options) {
      const name = canonicalOptionName(o.name);
      if (module === 'recent') {
        if (name === '--rsource' || name === '--rdest') recentSide = true;
        if (name === '--mask') recentMask = true;
      }
      const values = normalizeValues(module, name, o.values);
      parts.push(`${module}${o.negated ? ' !' : ''} ${name}${values === '' ? '' : ' ' + values}`);
    }
    if (module === 'recent') {
      if (!recentSide) parts.push('recent --rsource');
      if (!recentMask) parts.push(`recent --mask ${family === 'ipv6' ? 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' : '255.255.255.255'}`);
    }
  }
  parts.sort();
  const t = rule.target;
  if (t) {
    const opts: string[] = [];
    if (t.name === 'MARK') {
      const op = readMarkOperation(t.options);
      if (op) opts.push(`--set-xmark ${hex(op.value)}/${hex(op.mask)}`);
      for (const o of t.options) if (!/^--(set-xmark|set-mark|or-mark|xor-mark|and-mark)$/.test(o.name)) opts.push(`${o.name} ${o.values.join(' ')}`.trim());
    } else {
      for (const o of t.options) opts.push(`${o.name} ${o.values.join(' ')}`.trim());
      if (t.name === 'REJECT' && !t.options.some((o) => o.name === '--reject-with')) {
        opts.push(`--reject-with ${family === 'ipv6' ? 'icmp6-port-unreachable' : 'icmp-port-unreachable'}`);
      }
    }
    opts.sort();
    parts.push(`${t.kind === 'goto' ? '-g' : '-j'} ${t.name}${opts.length ? ' ' + opts.join(' ') : ''}`);
  }
  return parts.join(' ; ');
}
