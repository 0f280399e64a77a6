// CodeLens `Trace packet path` on every Service port and every Ingress rule path: runs
// `kubePacketPath.tracePacketPath` with the scenario a user most likely means (defaultScenario),
// with that port, or that rule's host and path.
import type { CodeLens } from 'vscode-languageserver';
import { defaultScenario } from '../core/trace/buildTrace';
import { sampleRequestPath } from '../core/trace/sampleRequestPath';
import type { TraceScenario } from '../core/trace/types';
import { fieldNode, valueAt } from '../core/manifests/fieldSpan';
import { RulesCommands } from '../protocol';
import type { CodeLensProvider } from './codeLens';
import { currentRules } from './generatedRules';
import type { PositionMapper } from './positions';

const TITLE = 'Trace packet path';

export const traceLens: CodeLensProvider = {
  id: 'trace-packet-path',
  provideCodeLenses(ctx, uri) {
    const file = ctx.snapshot.file(uri);
    const positions = ctx.positions(uri);
    if (!file || !positions || !file.objects.some((o) => o.kind === 'Service' || o.kind === 'Ingress')) return [];
    const { cluster, objects } = currentRules(ctx.snapshot);
    const lenses: CodeLens[] = [];
    const lens = (p: PositionMapper, offset: number, scenario: TraceScenario): CodeLens => ({
      range: p.toRange({ start: offset, end: offset }),
      command: { title: TITLE, command: RulesCommands.tracePacketPath, arguments: [scenario] },
    });
    for (const object of file.objects) {
      if (object.inBrokenDocument || !object.name) continue;
      const ns = object.namespace ?? 'default';
      if (object.kind === 'Service') {
        const ports = valueAt(object.value, ['spec', 'ports']);
        if (!Array.isArray(ports)) continue;
        ports.forEach((_, i) => {
          const item = fieldNode(object, ['spec', 'ports', i]);
          const name = valueAt(object.value, ['spec', 'ports', i, 'name']);
          const number = valueAt(object.value, ['spec', 'ports', i, 'port']);
          const port = typeof name === 'string' && name !== '' ? name : typeof number === 'number' ? String(number) : undefined;
          if (!item || port === undefined) return;
          lenses.push(lens(positions, item.valueSpan.start, defaultScenario(cluster, objects, 'Service', ns, object.name, port)));
        });
      } else if (object.kind === 'Ingress') {
        const rules = valueAt(object.value, ['spec', 'rules']);
        if (!Array.isArray(rules)) continue;
        const base = defaultScenario(cluster, objects, 'Ingress', ns, object.name);
        rules.forEach((_, r) => {
          const host = valueAt(object.value, ['spec', 'rules', r, 'host']);
          const paths = valueAt(object.value, ['spec', 'rules', r, 'http', 'paths']);
          if (!Array.isArray(paths)) return;
          paths.forEach((__, j) => {
            const item = fieldNode(object, ['spec', 'rules', r, 'http', 'paths', j]);
            const path = valueAt(object.value, ['spec', 'rules', r, 'http', 'paths', j, 'path']);
            if (!item) return;
            const scenario: TraceScenario = { ...base, ...(typeof host === 'string' && host !== '' && !host.includes('*') ? { host } : {}), path: sampleRequestPath(path) };
            lenses.push(lens(positions, item.valueSpan.start, scenario));
          });
        });
      }
    }
    return lenses;
  },
};
