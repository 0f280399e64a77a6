// CodeLens on each Service: `3 pods in 1 workload` (click: peek the workloads) or `no pods match`.
import type { CodeLens, Location } from 'vscode-languageserver';
import { fieldNode, stringMapAt } from '../core/manifests/fieldSpan';
import { findSelectedTemplates, formatPodSummary, summarizePods } from '../core/queries';
import { ClientCommands } from '../protocol';
import type { CodeLensProvider } from './codeLens';
import { templateLabelsLocation } from './locations';

export const servicePodsLens: CodeLensProvider = {
  id: 'service-pods',
  provideCodeLenses(ctx, uri) {
    const file = ctx.snapshot.file(uri);
    const positions = ctx.positions(uri);
    if (!file || !positions) return [];
    const lenses: CodeLens[] = [];
    for (const service of file.objects) {
      if (service.kind !== 'Service') continue;
      const selector = stringMapAt(service.value, ['spec', 'selector']);
      if (!selector || Object.keys(selector).length === 0) continue; // selector-less: endpoints by hand
      const templates = findSelectedTemplates(ctx.snapshot, service);
      const title = formatPodSummary(summarizePods(templates));
      const range = positions.toRange(fieldNode(service, ['kind'])?.keySpan ?? service.span);
      const locations = templates.map((t) => templateLabelsLocation(ctx, t)).filter((l): l is Location => l !== undefined);
      lenses.push({
        range,
        command: locations.length > 0
          ? { title, command: ClientCommands.showReferences, arguments: [uri, range.start, locations] }
          : { title, command: '' },
      });
    }
    return lenses;
  },
};
