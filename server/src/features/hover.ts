// Hover: on a Service's selector, the workloads it selects (replicas, file); on a pod template's
// labels, the Services that select its pods; on an Ingress backend, the Service and port it reaches.
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
import { stringMapAt, valueAt } from '../core/manifests/fieldSpan';
import type { ManifestObject } from '../core/manifests/types';
import { formatLabels } from '../core/labels/matchesSelector';
import {
  findBackendService,
  findSelectedTemplates,
  findSelectingServices,
  findServicePortIndex,
  findTargetAt,
  formatPodSummary,
  formatReplicas,
  summarizePods,
  type Target,
} from '../core/queries';
import { inlineCode, type FeatureContext } from './featureContext';
import { trimTrailingSpace } from './locations';
import { findServiceRulesHover } from './serviceRulesHover';

export function provideHover(ctx: FeatureContext, params: HoverParams): Hover | null {
  const uri = params.textDocument.uri;
  const positions = ctx.positions(uri);
  if (!positions) return null;
  const offset = positions.toOffset(params.position);
  const target = findTargetAt(ctx.snapshot, uri, offset);
  const lines = target ? describeTarget(ctx, target) : undefined;
  // On a Service's kind, name or a port: the kube-proxy rules section (serviceRulesHover.ts), after the selector's.
  const rules = findServiceRulesHover(ctx, uri, offset);
  if (!lines && !rules) return null;
  const all = [...(lines ?? []), ...(lines && rules ? ['', '---', ''] : []), ...(rules?.lines ?? [])];
  const span = target && lines ? target.span : rules!.span;
  return {
    contents: { kind: MarkupKind.Markdown, value: all.join('\n') },
    range: positions.toRange(trimTrailingSpace(ctx.snapshot.file(uri)?.text, span)),
  };
}

function describeTarget(ctx: FeatureContext, target: Target): string[] | undefined {
  switch (target.kind) {
    case 'service-selector':
      return [...describeServiceSelection(ctx, target.service), ...describeLabelAcrossTemplates(ctx, target.service, target.labelKey)];
    case 'service-name':
      return describeServiceSelection(ctx, target.service);
    case 'pod-labels': {
      const t = target.template;
      const services = findSelectingServices(ctx.snapshot, t);
      const head = `**${t.kind} ${inlineCode(t.name)}** pods carry ${inlineCode(formatLabels(t.labels) || '(no labels)')}`;
      if (services.length === 0) return [head, '', `No Service in namespace ${inlineCode(t.namespace)} selects these pods.`];
      return [head, '', `Selected by ${services.length === 1 ? '1 Service' : `${services.length} Services`}:`, '', ...services.map((s) => `- Service ${inlineCode(s.name)} — ${inlineCode(ctx.displayPath(s.uri))}`)];
    }
    case 'ingress-backend': {
      const { ingress, backend } = target;
      const service = findBackendService(ctx.snapshot, ingress, backend);
      const port = backend.port ? ('name' in backend.port ? backend.port.name : String(backend.port.number)) : '(no port)';
      const head = `**Ingress ${inlineCode(ingress.name)}** ${inlineCode(backend.route)} → Service ${inlineCode(backend.serviceName)} port ${inlineCode(port)}`;
      if (!service) return [head, '', `No Service ${inlineCode(backend.serviceName)} in namespace ${inlineCode(ingress.namespace ?? 'default')}.`];
      const i = findServicePortIndex(service, backend.port);
      const portLine = i < 0
        ? `The Service has no port ${inlineCode(port)}.`
        : `Service port ${inlineCode(String(valueAt(service.value, ['spec', 'ports', i, 'port']) ?? '?'))} → targetPort ${inlineCode(String(valueAt(service.value, ['spec', 'ports', i, 'targetPort']) ?? valueAt(service.value, ['spec', 'ports', i, 'port']) ?? '?'))}`;
      return [head, '', portLine, '', `Defined in ${inlineCode(ctx.displayPath(service.uri))}.`, '', ...describeServiceSelection(ctx, service)];
    }
  }
}

function describeServiceSelection(ctx: FeatureContext, service: ManifestObject): string[] {
  const selector = stringMapAt(service.value, ['spec', 'selector']);
  const ns = service.namespace ?? 'default';
  if (!selector || Object.keys(selector).length === 0) {
    return [`**Service ${inlineCode(service.name)}** has no selector: its endpoints come from Endpoints/EndpointSlices written by hand.`];
  }
  const templates = findSelectedTemplates(ctx.snapshot, service);
  const head = `**Service ${inlineCode(service.name)}** selects ${inlineCode(formatLabels(selector))} in namespace ${inlineCode(ns)}: ${formatPodSummary(summarizePods(templates))}`;
  if (templates.length === 0) return [head, '', `No pod template in namespace ${inlineCode(ns)} carries every selector label.`];
  return [head, '', ...templates.map((t) => `- ${t.kind} ${inlineCode(t.name)} — ${formatReplicas(t)} — ${inlineCode(ctx.displayPath(t.object.uri))}`)];
}

/** How many pod templates to list when showing one label's values across a namespace. */
const MAX_LABEL_ROWS = 10;

/**
 * On one selector label of a Service that selects nothing: the value each pod template of the
 * namespace gives that label, so a typo or a missing label shows at a glance.
 */
function describeLabelAcrossTemplates(ctx: FeatureContext, service: ManifestObject, labelKey: string | undefined): string[] {
  if (labelKey === undefined || service.namespace === undefined) return [];
  if (findSelectedTemplates(ctx.snapshot, service).length > 0) return [];
  const templates = ctx.snapshot.podTemplates(service.namespace);
  if (templates.length === 0) return [];
  const wanted = stringMapAt(service.value, ['spec', 'selector'])?.[labelKey];
  const rows = templates.slice(0, MAX_LABEL_ROWS).map((t) => {
    const has = Object.prototype.hasOwnProperty.call(t.labels, labelKey);
    const value = has ? inlineCode(`${labelKey}=${t.labels[labelKey]}`) : `no ${inlineCode(labelKey)} label`;
    const mark = has && t.labels[labelKey] === wanted ? ' ✓' : '';
    return `- ${t.kind} ${inlineCode(t.name)}: ${value}${mark}`;
  });
  const more = templates.length > MAX_LABEL_ROWS ? [`- … and ${templates.length - MAX_LABEL_ROWS} more`] : [];
  return ['', `${inlineCode(labelKey)} on the pod templates of namespace ${inlineCode(service.namespace)}:`, '', ...rows, ...more];
}
