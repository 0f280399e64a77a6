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

/** The code of the single information-level note a skipped file (Helm template, not Kubernetes) gets. Not a rule: nothing is wrong. */
export const SKIPPED_NOTE_CODE = 'manifest-skipped';

const BY_CODE: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.code, r]));

export function findRule(code: string): Rule | undefined {
  return BY_CODE.get(code);
}

/** Fills a rule's message template. Missing parameters are left empty. */
export function formatMessage(code: string, params: Readonly<Record<string, string | number>>): string {
  const template = BY_CODE.get(code)?.messageTemplate ?? '{detail}';
  return template.replace(/\{(\w+)\}/g, (_, name: string) => (Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : ''));
}
