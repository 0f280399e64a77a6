// CodeLens on each Service port: `KUBE-SVC-XPGD46QRK7WJZT7O · 3 endpoints` (a KUBE-SVL lens too
// when a traffic policy is Local; `no endpoints: REJECT` when none). Clicking opens the
// generated-rules document at that chain.
import type { CodeLens } from 'vscode-languageserver';
import { findServicePorts } from '../core/cluster/serviceRulesText';
import type { GeneratedServicePort } from '../core/kubeproxy/types';
import { fieldNode, valueAt } from '../core/manifests/fieldSpan';
import { RulesCommands, type ShowGeneratedRulesArgs } from '../protocol';
import type { CodeLensProvider } from './codeLens';
import { currentRules } from './generatedRules';
import { portNameAt } from './serviceRulesHover';
import { currentSettings } from './settings';

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** The lens titles and chains of one generated service port, in display order. */
export function servicePortLensTitles(p: GeneratedServicePort): { title: string; chain?: string }[] {
  if (!p.hasEndpoints) return [{ title: 'no endpoints: REJECT', chain: p.used.svc ? p.chains.svc : undefined }];
  const out: { title: string; chain?: string }[] = [];
  if (p.used.svc) out.push({ title: `${p.chains.svc} · ${plural(p.clusterEndpoints.length, 'endpoint')}`, chain: p.chains.svc });
  if (p.used.svl) out.push({ title: `${p.chains.svl} · ${plural(p.localEndpoints.length, 'local endpoint')}`, chain: p.chains.svl });
  return out;
}

export const servicePortLens: CodeLensProvider = {
  id: 'service-port-rules',
  provideCodeLenses(ctx, uri) {
    const file = ctx.snapshot.file(uri);
    const positions = ctx.positions(uri);
    if (!file || !positions || !file.objects.some((o) => o.kind === 'Service')) return [];
    const { rules } = currentRules(ctx.snapshot);
    const format = currentSettings().rules.format;
    const lenses: CodeLens[] = [];
    for (const service of file.objects) {
      if (service.kind !== 'Service' || service.inBrokenDocument) continue;
      const ports = valueAt(service.value, ['spec', 'ports']);
      if (!Array.isArray(ports)) continue;
      const ns = service.namespace ?? 'default';
      for (let i = 0; i < ports.length; i++) {
        const item = fieldNode(service, ['spec', 'ports', i]);
        if (!item) continue;
        const [generated] = findServicePorts(rules, ns, service.name, portNameAt(service, i));
        if (!generated) continue;
        const range = positions.toRange({ start: item.valueSpan.start, end: item.valueSpan.start });
        for (const { title, chain } of servicePortLensTitles(generated)) {
          const args: ShowGeneratedRulesArgs = { node: rules.node.name, format, service: `${ns}/${service.name}`, ...(chain ? { chain } : {}) };
          lenses.push({ range, command: { title, command: RulesCommands.showGeneratedRules, arguments: [args] } });
        }
      }
    }
    return lenses;
  },
};
