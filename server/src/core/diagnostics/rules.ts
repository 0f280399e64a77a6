import type { Severity } from './types';

/** One entry of the diagnostic catalog. Codes are stable: editors, SARIF and users refer to them. */
export interface Rule {
  readonly code: string;
  readonly defaultSeverity: Severity;
  /** One line saying what the rule checks. */
  readonly title: string;
  /** The message shape; `{name}` placeholders are filled by `formatMessage`. */
  readonly messageTemplate: string;
  /** Anchor in the project's diagnostics documentation. */
  readonly docs: string;
}

export const DOCS_BASE = 'docs/diagnostics.md';

function rule(code: string, defaultSeverity: Severity, title: string, messageTemplate: string): Rule {
  return { code, defaultSeverity, title, messageTemplate, docs: `${DOCS_BASE}#${code}` };
}

export const RULES: readonly Rule[] = [
  rule('service-selector-matches-no-pods', 'warning',
    'A Service selector that no pod template in its namespace satisfies: the Service has no endpoints.',
    'Service "{service}" selects {selector}, but no pod template in namespace "{namespace}" has all of these labels.{detail}'),
  rule('service-has-no-endpoints-source', 'information',
    'A selector-less Service with no Endpoints or EndpointSlice for it in the workspace.',
    'Service "{service}" has no selector and no Endpoints or EndpointSlice (label kubernetes.io/service-name={service}) in namespace "{namespace}" in this workspace.{detail}'),
  rule('service-target-port-not-found', 'error',
    'A Service targetPort that the selected pods do not declare.',
    'targetPort {targetPort} of Service "{service}" port {port}: {detail}'),
  rule('ingress-backend-service-not-found', 'warning',
    'An Ingress backend naming a Service that is not in the Ingress\'s namespace.',
    'Ingress "{ingress}" sends {route} to Service "{service}", which does not exist in namespace "{namespace}".{detail}'),
  rule('ingress-backend-port-not-found', 'error',
    'An Ingress backend port (name or number) that the Service does not have.',
    'Ingress "{ingress}" sends {route} to port {port} of Service "{service}", which has no such port.{detail}'),
  rule('networkpolicy-selector-matches-no-pods', 'warning',
    'A NetworkPolicy pod selector (or a peer pod selector) that matches no pod template in the namespace.',
    'NetworkPolicy "{policy}" {where} selects {selector}, but no pod template in namespace "{namespace}" matches.{detail}'),
  rule('workload-selector-mismatch', 'error',
    'A workload whose spec.selector does not match its own pod template labels (the API server rejects it).',
    '{kind} "{name}" has spec.selector {selector}, which does not match its pod template labels: {detail}'),
  rule('service-port-invalid', 'error',
    'Service ports the API server rejects or that clash: unnamed ports among several, duplicate names, nodePort outside 30000-32767 or used twice, externalTrafficPolicy on a ClusterIP Service.',
    'Service "{service}": {detail}'),
  rule('yaml-syntax', 'error',
    'A YAML or JSON syntax error.',
    'YAML syntax error: {detail}'),
];

/**
 * Checks on an iptables dump (`iptables-save`, `iptables -S`, `-L`) open in the editor or given to
 * `kpp explain`: how the dump reads on its own, and where it drifts from the rules the
 * workspace's manifests generate for that node. Kept apart from RULES: they are not manifest
 * checks, so `kpp check` (and its SARIF rule list) never reports them.
 */
export const DUMP_RULES: readonly Rule[] = [
  rule('parse-error', 'error',
    'A line of an iptables dump or conntrack listing that cannot be read.',
    '{detail}'),
  rule('undeclared-chain', 'error',
    'A jump to a chain the dump never declares in that table.',
    '{jump} to chain {chain}, which is not declared in table {table}'),
  rule('unreferenced-chain', 'warning',
    'A KUBE-* chain that is declared but that no rule jumps to.',
    'Chain {chain} is declared but no rule in table {table} jumps to it'),
  rule('unreachable-rule', 'warning',
    'A rule after an unconditional jump or verdict in the same chain: no packet reaches it.',
    'Never evaluated: rule {index} of {chain} (line {line}) {detail} for every packet'),
  rule('drift-service-missing', 'warning',
    'A Service port of the manifests that has no chains on the node.',
    '{service} ({protocol} {clusterIP}:{port}) is in the manifests but has no chains {onNode} (expected {chains}).'),
  rule('drift-service-not-in-workspace', 'warning',
    'Service chains on the node that belong to no Service port of the workspace.',
    '{chain} belongs to {service} (from its rule comments), which is not in the workspace.'),
  rule('drift-endpoints-differ', 'warning',
    'The endpoints the node load-balances a Service port to differ from the manifests\' (addresses when an EndpointSlice gives them, else the count and target port).',
    '{service}: {detail}'),
  rule('drift-traffic-policy', 'warning',
    'The node treats a Service\'s traffic with another externalTrafficPolicy / internalTrafficPolicy than the manifests.',
    '{service}: external traffic is {actual} on the node, but the manifests say externalTrafficPolicy: {expected}.'),
  rule('drift-session-affinity', 'warning',
    'Session affinity (-m recent) on the node and sessionAffinity: ClientIP in the manifests disagree.',
    '{service}: {detail}'),
  rule('drift-node-port', 'warning',
    'KUBE-NODEPORTS on the node and the manifests\' nodePort disagree (assumed NodePorts are not compared).',
    '{service}: KUBE-NODEPORTS on the node leads port(s) {actual} to it, the manifests give {expected}.'),
  rule('drift-service-address', 'warning',
    'The ClusterIP, external or load-balancer IPs KUBE-SERVICES leads to a Service port differ from those the manifests set (assumed ones are not compared).',
    '{service}: KUBE-SERVICES on the node leads {actual} to it, the manifests give {expected} ({what}).'),
  rule('drift-no-endpoints', 'warning',
    'A "has no endpoints" REJECT on the node: information when the manifests agree, a warning when they give the Service endpoints.',
    '{service} has no endpoints {onNode}{detail}: connections are rejected.'),
];

/** The code of the single information-level note a skipped file (Helm template, not Kubernetes) gets. Not a rule: nothing is wrong. */
export const SKIPPED_NOTE_CODE = 'manifest-skipped';

const BY_CODE: ReadonlyMap<string, Rule> = new Map([...RULES, ...DUMP_RULES].map((r) => [r.code, r]));

/** A manifest rule (RULES) or a dump check (DUMP_RULES), for severities and documentation links. */
export function findRule(code: string): Rule | undefined {
  return BY_CODE.get(code);
}

/** Fills a rule's message template. Missing parameters are left empty. */
export function formatMessage(code: string, params: Readonly<Record<string, string | number>>): string {
  const template = BY_CODE.get(code)?.messageTemplate ?? '{detail}';
  return template.replace(/\{(\w+)\}/g, (_, name: string) => (Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : ''));
}
