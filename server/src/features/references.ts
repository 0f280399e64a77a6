// Find references: a Service selector ↔ the pod templates it selects, and a Service ↔ the Ingress
// backends, Endpoints and EndpointSlices that name it.
import type { Location, ReferenceParams } from 'vscode-languageserver';
import type { ManifestObject } from '../core/manifests/types';
import { findBackendService, findIngressBackendsFor, findSelectedTemplates, findSelectingServices, findTargetAt } from '../core/queries';
import type { FeatureContext } from './featureContext';
import { objectNameSpan, serviceSelectorLocation, spanLocation, templateLabelsLocation } from './locations';

export function provideReferences(ctx: FeatureContext, params: ReferenceParams): Location[] {
  const uri = params.textDocument.uri;
  const positions = ctx.positions(uri);
  if (!positions) return [];
  const target = findTargetAt(ctx.snapshot, uri, positions.toOffset(params.position));
  if (!target) return [];
  const withDeclaration = params.context.includeDeclaration;
  const out: (Location | undefined)[] = [];
  switch (target.kind) {
    case 'service-selector':
      if (withDeclaration) out.push(serviceSelectorLocation(ctx, target.service, target.labelKey));
      for (const t of findSelectedTemplates(ctx.snapshot, target.service)) out.push(templateLabelsLocation(ctx, t, target.labelKey));
      break;
    case 'pod-labels':
      if (withDeclaration) out.push(templateLabelsLocation(ctx, target.template, target.labelKey));
      for (const s of findSelectingServices(ctx.snapshot, target.template)) out.push(serviceSelectorLocation(ctx, s, target.labelKey));
      break;
    case 'service-name':
      out.push(...serviceNameReferences(ctx, target.service, withDeclaration));
      break;
    case 'ingress-backend': {
      const service = findBackendService(ctx.snapshot, target.ingress, target.backend);
      if (service) out.push(...serviceNameReferences(ctx, service, withDeclaration));
      break;
    }
  }
  return dedupe(out.filter((l): l is Location => l !== undefined));
}

/** Ingress backends, Endpoints and EndpointSlices that name the Service (and its own name). */
function serviceNameReferences(ctx: FeatureContext, service: ManifestObject, withDeclaration: boolean): (Location | undefined)[] {
  const out: (Location | undefined)[] = [];
  if (withDeclaration) out.push(spanLocation(ctx, service.uri, objectNameSpan(service)));
  for (const { ingress, backend } of findIngressBackendsFor(ctx.snapshot, service)) out.push(spanLocation(ctx, ingress.uri, backend.nameSpan ?? backend.span));
  for (const e of ctx.snapshot.endpoints(service.namespace)) {
    if (e.name === service.name) out.push(spanLocation(ctx, e.uri, objectNameSpan(e)));
  }
  for (const s of ctx.snapshot.endpointSlicesForService(service)) {
    const labelSpan = s.root.fields?.get('metadata')?.fields?.get('labels')?.fields?.get('kubernetes.io/service-name')?.valueSpan;
    out.push(spanLocation(ctx, s.uri, labelSpan ?? objectNameSpan(s)));
  }
  return out;
}

function dedupe(locations: Location[]): Location[] {
  const seen = new Set<string>();
  return locations.filter((l) => {
    const key = `${l.uri}#${l.range.start.line}:${l.range.start.character}-${l.range.end.line}:${l.range.end.character}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
