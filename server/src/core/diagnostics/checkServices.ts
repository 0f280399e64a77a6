import { distance } from 'fastest-levenshtein';
import { stringMapAt } from '../manifests/fieldSpan';
import type { ManifestObject } from '../manifests/types';
import { formatLabels, matchesServiceSelector, type Labels } from '../labels/matchesSelector';
import type { NamespaceContent } from '../workspace/workspaceSnapshot';
import type { PodTemplate } from '../workspace/podTemplates';
import {
  addMapEntriesEdit, closestTypo, describe, formatScalarText, isLikelyTypo, makeDiagnostic, readServicePorts, relatedAt, replaceValueFix,
  serviceType, spanAt, wasQuoted, type ServicePort,
} from './helpers';
import type { Diagnostic, Fix, RelatedInformation } from './types';

/** A Service whose selector matched nothing in its namespace: the cluster-wide pass looks in the other namespaces. */
export interface UnmatchedService {
  readonly service: ManifestObject;
  readonly selector: Labels;
  /** Index of its diagnostic in the namespace's list. */
  readonly diagnosticIndex: number;
}

export interface ServiceCheckResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly unmatched: readonly UnmatchedService[];
}

/**
 * service-selector-matches-no-pods, service-has-no-endpoints-source and
 * service-target-port-not-found for every Service of one namespace.
 */
export function checkServices(content: NamespaceContent): ServiceCheckResult {
  const diagnostics: Diagnostic[] = [];
  const unmatched: UnmatchedService[] = [];
  const services = content.objects.filter((o) => o.kind === 'Service');
  for (const service of services) {
    if (serviceType(service) === 'ExternalName') continue;
    const selector = stringMapAt(service.value, ['spec', 'selector']);
    if (!selector || Object.keys(selector).length === 0) {
      const d = checkEndpointsSource(service, content);
      if (d) diagnostics.push(d);
      continue;
    }
    const matched = content.podTemplates.filter((t) => matchesServiceSelector(selector, t.labels));
    if (matched.length === 0) {
      unmatched.push({ service, selector, diagnosticIndex: diagnostics.length });
      diagnostics.push(selectorDiagnostic(service, selector, content));
      continue;
    }
    diagnostics.push(...checkTargetPorts(service, matched));
  }
  return { diagnostics, unmatched };
}

function checkEndpointsSource(service: ManifestObject, content: NamespaceContent): Diagnostic | undefined {
  const hasEndpoints = content.objects.some((o) => o.kind === 'Endpoints' && o.name === service.name);
  const hasSlice = content.objects.some(
    (o) => o.kind === 'EndpointSlice' && stringMapAt(o.value, ['metadata', 'labels'])?.['kubernetes.io/service-name'] === service.name,
  );
  if (hasEndpoints || hasSlice) return undefined;
  return makeDiagnostic('service-has-no-endpoints-source', service, spanAt(service, ['metadata', 'name']), {
    service: service.name,
    namespace: service.namespace ?? '',
    detail: ' kube-proxy has no endpoint to send its traffic to unless something else creates them: add a spec.selector matching your pods, or an Endpoints/EndpointSlice for it.',
  });
}

// ---------------------------------------------------------------------------------------------
// service-selector-matches-no-pods

interface Candidate {
  readonly template: PodTemplate;
  /** Selector pairs the pod template satisfies. */
  readonly satisfied: number;
  /** Selector pairs satisfied by the workload's own metadata.labels. */
  readonly satisfiedByOwn: number;
  /** Sum of edit distances of the mismatching values (keys missing count as the length of the value). */
  readonly cost: number;
}

function rankCandidate(template: PodTemplate, selector: Labels): Candidate {
  let satisfied = 0;
  let satisfiedByOwn = 0;
  let cost = 0;
  for (const [k, v] of Object.entries(selector)) {
    const has = Object.prototype.hasOwnProperty.call(template.labels, k);
    if (has && template.labels[k] === v) satisfied++;
    else cost += has ? distance(template.labels[k], v) : v.length + k.length;
    if (Object.prototype.hasOwnProperty.call(template.ownLabels, k) && template.ownLabels[k] === v) satisfiedByOwn++;
  }
  return { template, satisfied, satisfiedByOwn, cost };
}

/** The pod template that comes closest to satisfying `selector`, or undefined when there is none. */
export function findClosestTemplate(selector: Labels, templates: readonly PodTemplate[]): PodTemplate | undefined {
  let best: Candidate | undefined;
  for (const t of templates) {
    const c = rankCandidate(t, selector);
    if (!best || better(c, best)) best = c;
  }
  return best?.template;
}

function better(a: Candidate, b: Candidate): boolean {
  if (a.satisfied !== b.satisfied) return a.satisfied > b.satisfied;
  if (a.satisfiedByOwn !== b.satisfiedByOwn) return a.satisfiedByOwn > b.satisfiedByOwn;
  if (a.cost !== b.cost) return a.cost < b.cost;
  return `${a.template.object.uri}\u0000${a.template.name}` < `${b.template.object.uri}\u0000${b.template.name}`;
}

/**
 * Is the closest template plausibly the one meant? It satisfies part of the selector, or every
 * miss is a likely typo or a label on the workload itself. Otherwise naming it (and offering to
 * copy its labels) would mislead.
 */
function isNearMiss(t: PodTemplate, selector: Labels, failing: readonly (readonly [string, string])[]): boolean {
  if (failing.length < Object.keys(selector).length) return true;
  const has = (m: Labels, k: string) => Object.prototype.hasOwnProperty.call(m, k);
  return failing.every(([k, v]) =>
    (has(t.labels, k) && isLikelyTypo(v, t.labels[k])) ||
    (has(t.ownLabels, k) && t.ownLabels[k] === v) ||
    Object.keys(t.labels).some((x) => t.labels[x] === v && isLikelyTypo(k, x)));
}

function templateLabelsWhere(t: PodTemplate): string {
  return t.kind === 'Pod' ? 'metadata.labels' : t.labelsPath.join('.');
}

function selectorDiagnostic(service: ManifestObject, selector: Labels, content: NamespaceContent): Diagnostic {
  const namespace = service.namespace ?? 'default';
  const base = { service: service.name, selector: formatLabels(selector), namespace };
  const closest = findClosestTemplate(selector, content.podTemplates);
  if (!closest) {
    return makeDiagnostic('service-selector-matches-no-pods', service, spanAt(service, ['spec', 'selector']), {
      ...base,
      detail: ` There is no workload or Pod in namespace "${namespace}" in this workspace: add the workload, or check metadata.namespace.`,
    });
  }

  const failing = Object.entries(selector).filter(([k, v]) => closest.labels[k] !== v || !Object.prototype.hasOwnProperty.call(closest.labels, k));
  if (!isNearMiss(closest, selector, failing)) {
    const listed = content.podTemplates.slice(0, 4).map((t) => `${describe(t.object)} (${formatLabels(t.labels) || 'no labels'})`).join(', ');
    return makeDiagnostic('service-selector-matches-no-pods', service, spanAt(service, ['spec', 'selector']), {
      ...base,
      detail: ` No pod template here comes close: ${listed}${content.podTemplates.length > 4 ? ', ...' : ''}. Point the selector at one of them, or add the workload.`,
    });
  }
  const parts: string[] = [];
  const related: RelatedInformation[] = [];
  const valueFixes: { key: string; value: string }[] = [];
  const ownOnly: [string, string][] = [];
  for (const [k, v] of failing) {
    const has = Object.prototype.hasOwnProperty.call(closest.labels, k);
    if (has) {
      const w = closest.labels[k];
      const typo = isLikelyTypo(v, w) ? ` — likely a typo (edit distance ${distance(v, w)})` : '';
      parts.push(`its pod template has ${k}=${w}, not ${k}=${v}${typo}`);
      related.push(relatedAt(closest.object, [...closest.labelsPath, k], `${describe(closest.object)} pod template label ${k}=${w}`));
      valueFixes.push({ key: k, value: w });
    } else if (closest.kind !== 'Pod' && closest.ownLabels[k] === v && Object.prototype.hasOwnProperty.call(closest.ownLabels, k)) {
      parts.push(`${k}=${v} is only on the ${closest.kind}'s own metadata.labels, not on its pod template (${templateLabelsWhere(closest)}) — Services select pods, so add it to the pod template`);
      ownOnly.push([k, v]);
      related.push(relatedAt(closest.object, ['metadata', 'labels', k], `${k}=${v} is on ${describe(closest.object)} itself, not on its pods`));
    } else {
      const keyTypo = closestTypo(k, Object.keys(closest.labels).filter((x) => closest.labels[x] === v));
      if (keyTypo !== undefined) {
        parts.push(`its pod template has ${keyTypo}=${v}, not ${k}=${v} — the label key looks like a typo`);
        related.push(relatedAt(closest.object, [...closest.labelsPath, keyTypo], `${describe(closest.object)} pod template label ${keyTypo}=${v}`));
      } else {
        parts.push(`its pod template has no label ${k}`);
      }
    }
  }
  if (related.length === 0) related.push(relatedAt(closest.object, closest.labelsPath, `closest pod template: ${describe(closest.object)}`));

  const fixes: Fix[] = [];
  if (valueFixes.length === failing.length && valueFixes.length > 0) {
    const edits = valueFixes.flatMap(({ key, value }) => {
      const path = ['spec', 'selector', key];
      return replaceValueFix(service, path, formatScalarText(value, service.uri, wasQuoted(service, path)), '')?.edits ?? [];
    });
    const what = valueFixes.map(({ key, value }) => `${key}=${value}`).join(', ');
    if (edits.length === valueFixes.length) fixes.push({ title: `Change the selector to ${what} (the labels of ${describe(closest.object)})`, edits });
  }
  if (ownOnly.length === failing.length && ownOnly.length > 0) {
    const edit = addMapEntriesEdit(closest.object, closest.labelsPath, ownOnly);
    const what = ownOnly.map(([k, v]) => `${k}=${v}`).join(', ');
    if (edit) fixes.push({ title: `Add ${what} to the pod template labels of ${describe(closest.object)}`, edits: [edit] });
  }

  const firstFailingKey = failing[0]?.[0];
  const span = firstFailingKey !== undefined ? spanAt(service, ['spec', 'selector', firstFailingKey]) : spanAt(service, ['spec', 'selector']);
  return makeDiagnostic('service-selector-matches-no-pods', service, span, {
    ...base,
    detail: ` Closest: ${describe(closest.object)}: ${parts.join('; ')}. Make the selector and the pod template labels agree.`,
  }, { related, fixes });
}

/**
 * The cluster-wide part of service-selector-matches-no-pods: when pods in ANOTHER namespace carry
 * every selector label, say so (a Service only ever selects pods of its own namespace).
 */
export function explainOtherNamespaceMatch(unmatched: UnmatchedService, original: Diagnostic, others: readonly PodTemplate[]): Diagnostic {
  const match = others.find((t) => t.namespace !== unmatched.service.namespace && matchesServiceSelector(unmatched.selector, t.labels));
  if (!match) return original;
  const ns = unmatched.service.namespace ?? 'default';
  return makeDiagnostic('service-selector-matches-no-pods', unmatched.service, spanAt(unmatched.service, ['spec', 'selector']), {
    service: unmatched.service.name,
    selector: formatLabels(unmatched.selector),
    namespace: ns,
    detail: ` ${describe(match.object)} in namespace "${match.namespace}" has them, but a Service only selects pods in its own namespace: set metadata.namespace: ${match.namespace} on the Service, or deploy the workload to "${ns}".`,
  }, { related: [relatedAt(match.object, ['metadata', 'namespace'], `${describe(match.object)} is in namespace "${match.namespace}"`)] });
}

// ---------------------------------------------------------------------------------------------
// service-target-port-not-found

function checkTargetPorts(service: ManifestObject, matched: readonly PodTemplate[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const workloads = matched.map((t) => describe(t.object)).join(', ');
  for (const port of readServicePorts(service)) {
    const target = port.targetPort ?? port.port;
    if (target === undefined) continue;
    const portLabel = `${port.name ? `"${port.name}" (${port.port ?? '?'})` : String(port.port ?? '?')}`;
    const path = ['spec', 'ports', port.index, 'targetPort'];
    const span = port.targetPort === undefined ? spanAt(service, ['spec', 'ports', port.index]) : spanAt(service, path);
    const params = { service: service.name, port: portLabel, targetPort: typeof target === 'string' ? `"${target}"` : String(target) };
    const declared = declaredPorts(matched);
    const related = matched.slice(0, 5).map((t) => relatedAt(t.object, [...t.podSpecPath, 'containers'], `containers of ${describe(t.object)} (ports: ${formatContainerPorts(t)})`));

    if (typeof target === 'number') {
      if (matched.some((t) => t.ports.some((p) => p.containerPort === target && p.protocol === port.protocol))) continue;
      out.push(makeDiagnostic('service-target-port-not-found', service, span, {
        ...params,
        detail: `no container of ${workloads} declares containerPort ${target}/${port.protocol} (declared: ${declared}). Traffic still goes to port ${target} of the pods, so this works if the process listens there; declare it, or fix targetPort if it should be one of the declared ports.`,
      }, { severity: 'hint', related }));
      continue;
    }

    const missing = matched.filter((t) => !t.ports.some((p) => p.name === target && p.protocol === port.protocol));
    if (missing.length === 0) continue;
    const names = [...new Set(matched.flatMap((t) => t.ports.filter((p) => p.protocol === port.protocol && p.name).map((p) => p.name as string)))];
    const suggestion = closestTypo(target, names);
    const fixes: Fix[] = [];
    if (suggestion !== undefined && port.targetPort !== undefined) {
      const fix = replaceValueFix(service, path, formatScalarText(suggestion, service.uri, wasQuoted(service, path)), `Change targetPort to "${suggestion}"`);
      if (fix) fixes.push(fix);
    }
    const didYouMean = suggestion !== undefined ? ` Did you mean "${suggestion}"?` : '';
    const wrongProtocol = matched.some((t) => t.ports.some((p) => p.name === target && p.protocol !== port.protocol)) ? ` (a port named "${target}" exists, but not with protocol ${port.protocol})` : '';
    if (missing.length === matched.length) {
      out.push(makeDiagnostic('service-target-port-not-found', service, span, {
        ...params,
        detail: `no container of the selected pods (${workloads}) declares a port named "${target}"${wrongProtocol}, so the Service gets no endpoints for this port. Declared: ${declared}.${didYouMean}`,
      }, { severity: 'error', related, fixes }));
    } else {
      out.push(makeDiagnostic('service-target-port-not-found', service, span, {
        ...params,
        detail: `${missing.map((t) => describe(t.object)).join(', ')} declares no port named "${target}"${wrongProtocol}, so its pods get no endpoint for this port (the other selected workloads do).${didYouMean}`,
      }, { severity: 'warning', related: missing.map((t) => relatedAt(t.object, [...t.podSpecPath, 'containers'], `containers of ${describe(t.object)} (ports: ${formatContainerPorts(t)})`)), fixes }));
    }
  }
  return out;
}

function formatContainerPorts(t: PodTemplate): string {
  return t.ports.map((p) => `${p.name ? `${p.name}=` : ''}${p.containerPort}/${p.protocol}`).join(', ') || 'none';
}

function declaredPorts(templates: readonly PodTemplate[]): string {
  const all = new Set(templates.flatMap((t) => t.ports.map((p) => `${p.name ? `${p.name}=` : ''}${p.containerPort}/${p.protocol}`)));
  return [...all].join(', ') || 'no ports';
}

export type { ServicePort };
