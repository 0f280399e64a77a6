// Go to definition: Service selector → the pod templates it selects; pod template labels → the
// Services selecting them; Ingress backend → the Service (or, on the port, the Service's port).
import type { DefinitionParams, Location } from 'vscode-languageserver';
import { findBackendService, findSelectedTemplates, findSelectingServices, findServicePortIndex, findTargetAt } from '../core/queries';
import type { FeatureContext } from './featureContext';
import { fieldLocation, serviceSelectorLocation, spanLocation, objectNameSpan, templateLabelsLocation } from './locations';

export function provideDefinition(ctx: FeatureContext, params: DefinitionParams): Location[] {
  const uri = params.textDocument.uri;
  const positions = ctx.positions(uri);
  if (!positions) return [];
  const target = findTargetAt(ctx.snapshot, uri, positions.toOffset(params.position));
  if (!target) return [];
  const out: (Location | undefined)[] = [];
  switch (target.kind) {
    case 'service-selector':
      for (const t of findSelectedTemplates(ctx.snapshot, target.service)) out.push(templateLabelsLocation(ctx, t, target.labelKey));
      break;
    case 'pod-labels':
      for (const s of findSelectingServices(ctx.snapshot, target.template)) out.push(serviceSelectorLocation(ctx, s, target.labelKey));
      break;
    case 'ingress-backend': {
      const service = findBackendService(ctx.snapshot, target.ingress, target.backend);
      if (!service) break;
      const portIndex = target.onPort ? findServicePortIndex(service, target.backend.port) : -1;
      out.push(portIndex >= 0 ? fieldLocation(ctx, service, ['spec', 'ports', portIndex]) : spanLocation(ctx, service.uri, objectNameSpan(service)));
      break;
    }
    case 'service-name':
      break;
  }
  return out.filter((l): l is Location => l !== undefined);
}
