import type { Span } from '../text/span';
import type { Packet, Verdict } from '../simulator/types';

/**
 * A packet path as the trace panel and `kpp trace --service/--ingress` show it: a scenario, and
 * one branch per possible outcome (each endpoint the statistic rules can pick, or a drop), each a
 * list of steps from the client to the pod with plain-language explanations. Built from the
 * simulator's outcomes; the webview only draws this.
 */

export type SourceKind = 'external' | 'pod-same-node' | 'pod-other-node' | 'node' | 'pod-self';
export type Entry = 'loadbalancer' | 'nodeport' | 'clusterip' | 'externalip';

export interface TraceScenario {
  readonly target: { readonly kind: 'Service' | 'Ingress'; readonly namespace: string; readonly name: string; readonly port?: string };
  readonly source: SourceKind;
  /** The client address (external) or the pod/node name the packet starts from. */
  readonly sourceAddress?: string;
  readonly via: Entry;
  readonly node: string;
  readonly externalTrafficPolicy?: 'Cluster' | 'Local';
  readonly internalTrafficPolicy?: 'Cluster' | 'Local';
  readonly returningClient?: boolean;
  /** 'generated' or the uri of a dump loaded for that node. */
  readonly rules: 'generated' | { readonly dumpUri: string };
  readonly host?: string;
  readonly path?: string;
  /**
   * The address and port the packet is sent to, when they are known from elsewhere than the
   * manifests (a rule of a real node's dump: its `-d` and `--dport`). Overrides the Service's
   * (possibly assumed) ClusterIP, LoadBalancer IP, external IP or NodePort.
   */
  readonly destination?: { readonly address: string; readonly port: number };
}

/** Where a step comes from: a YAML field, a rule line in a dump, or a line of the generated-rules document. */
export interface SourceRef {
  readonly uri: string;
  readonly span: Span;
}

export type StepKind =
  | 'client' | 'loadbalancer' | 'node' | 'chain' | 'rule' | 'mark-masq' | 'dnat' | 'routing'
  | 'masquerade' | 'pod' | 'ingress-controller' | 'ingress-rule' | 'upstream' | 'drop' | 'reject' | 'accept';

export interface TraceStep {
  readonly kind: StepKind;
  /** Short label: `KUBE-SVC-XPGD46QRK7WJZT7O`, `nat PREROUTING`, `nginx-7d9f…-abcde`. */
  readonly title: string;
  readonly table?: string;
  readonly chain?: string;
  /** The rule text that matched, as it stands in the dump or generated rules. */
  readonly rule?: string;
  /** The packet after this step. */
  readonly packet: Packet;
  /** Which fields this step rewrote. */
  readonly rewrites: readonly ('src' | 'sport' | 'dst' | 'dport')[];
  /** The packet mark after this step, e.g. `0x4000`, when non-zero. */
  readonly mark?: string;
  /** Probability of this branch having come this far. */
  readonly probability?: number;
  /** One or two plain sentences. */
  readonly explanation: string;
  readonly source?: SourceRef;
  /** 0-based line of `rule` in the ruleset the simulator ran on (the dump, or the node's generated restore text). */
  readonly line?: number;
}

export interface TraceBranch {
  readonly probability: number;
  readonly verdict: Verdict;
  /** The endpoint reached, when one is. */
  readonly endpoint?: { readonly ip: string; readonly port: number; readonly pod?: string; readonly node?: string; readonly assumed?: boolean };
  readonly steps: readonly TraceStep[];
  /** The reply's way back, undoing the NAT. */
  readonly reply: readonly TraceStep[];
  /** `conntrack -L` style line for the connection this branch leaves behind. */
  readonly conntrack?: string;
  readonly masqueraded: boolean;
  readonly rulesEvaluated: number;
  /** Why it ends in a drop or reject, in plain words. */
  readonly reason?: string;
  readonly unevaluated: readonly string[];
}

export interface IngressDecision {
  readonly host: string;
  readonly path: string;
  /** Every candidate rule considered, the winner first-class. */
  readonly candidates: readonly { readonly ingress: string; readonly host: string; readonly path: string; readonly pathType: string; readonly backend: string; readonly matched: boolean; readonly winner: boolean; readonly why: string }[];
  readonly serviceUpstream: boolean;
}

export interface PathTrace {
  readonly title: string;
  readonly scenario: TraceScenario;
  /** Values the trace rests on that were synthesized, e.g. "ClusterIP 10.0.12.7 (assumed)". */
  readonly assumptions: readonly string[];
  readonly branches: readonly TraceBranch[];
  readonly ingress?: IngressDecision;
  /** Why the trace could not be made, or is incomplete (no such Service, no rules for the node...). */
  readonly errors: readonly string[];
}
