import type { TraceResult } from './types';

/**
 * kube-proxy's own packet-flow tests (`runPacketFlowTests` in pkg/proxy/iptables/proxier_test.go)
 * check a summary, `{output, masq}`, from a much simpler tracer than ours. This turns our outcomes
 * into that summary so the 246 flow expectations can be checked against the real simulator.
 *
 * Why the two agree:
 * - Their tracer does not branch: a `--probability` jump does not end the walk, so every endpoint
 *   candidate of a KUBE-SVC/KUBE-SVL chain is visited in rule order and its DNAT target appended.
 *   We branch both ways at each statistic rule, so each candidate is one outcome, and our outcomes
 *   come in rule order (matched branch first). The union of the outcomes' DNAT targets, in outcome
 *   order, without repeats, is therefore their list of candidates.
 * - Their terminal filter verdicts (REJECT, DROP, ACCEPT) come from walking kube-proxy's four
 *   filter chains KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS and KUBE-PROXY-FIREWALL
 *   after nat. On the real path those chains are reached from filter INPUT/FORWARD/OUTPUT, so an
 *   outcome that ends by a rule of one of these chains gives that verdict. They append filter
 *   verdicts after the DNAT targets, and so do we. Verdicts from other chains (KUBE-FORWARD's
 *   mark/conntrack ACCEPT, a built-in policy) are outside what their tracer walks and give nothing.
 * - `masq` is "some matched rule jumped to KUBE-MARK-MASQ anywhere on the walk". KUBE-MARK-MASQ
 *   sets the masquerade mark bit; our outcomes record that as `markedForMasquerade`, so masq is
 *   true when any outcome has it.
 * - Their tracer never matches `--rcheck`, `--mark` or `--ctstate`; we trace a new connection from a
 *   new client, for which `--rcheck` does not match either, and the `--mark`/`--ctstate` rules
 *   kube-proxy writes (KUBE-FORWARD, KUBE-POSTROUTING, the INVALID drop) do not produce any of the
 *   tokens above.
 */
export interface KubeProxyFlowSummary {
  /** Comma-joined DNAT targets (`10.180.0.1:80, 10.180.2.1:80`), or REJECT / DROP / ACCEPT, or "". */
  readonly output: string;
  readonly masq: boolean;
}

/** kube-proxy's filter chains that its test tracer walks. */
export const KUBE_PROXY_FILTER_SERVICE_CHAINS: ReadonlySet<string> = new Set([
  'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL',
]);

const TERMINAL_TOKEN: Readonly<Record<string, string>> = { accept: 'ACCEPT', drop: 'DROP', reject: 'REJECT' };

/** The `--to-destination` value as written in the rule (kube-proxy's tracer reports it verbatim). */
function toDestination(rule: string | undefined): string | undefined {
  const m = /--to-destination\s+("?)(\S+)\1/.exec(rule ?? '');
  return m?.[2];
}

export function summarizeAsKubeProxyFlow(result: TraceResult): KubeProxyFlowSummary {
  const targets: string[] = [];
  const verdicts: string[] = [];
  let masq = false;
  for (const outcome of result.outcomes) {
    if (outcome.markedForMasquerade) masq = true;
    for (const hop of outcome.hops) {
      if (hop.action === 'dnat') {
        const t = toDestination(hop.rule);
        if (t !== undefined && !targets.includes(t)) targets.push(t);
      }
      const token = TERMINAL_TOKEN[hop.action];
      if (token !== undefined && hop.table === 'filter' && hop.rule !== undefined && KUBE_PROXY_FILTER_SERVICE_CHAINS.has(hop.chain) && !verdicts.includes(token)) {
        verdicts.push(token);
      }
    }
  }
  return { output: [...targets, ...verdicts].join(', '), masq };
}
