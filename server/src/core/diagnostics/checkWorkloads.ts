import { stringMapAt, valueAt } from '../manifests/fieldSpan';
import type { FieldPath } from '../manifests/types';
import { formatSelector, isEmptySelector, matchesRequirement, readLabelSelector, type LabelSelector } from '../labels/matchesSelector';
import type { PodTemplate } from '../workspace/podTemplates';
import { makeDiagnostic, relatedAt, spanAt } from './helpers';
import type { Diagnostic } from './types';

function selectorPath(t: PodTemplate): FieldPath | undefined {
  if (t.kind === 'Pod') return undefined;
  if (t.kind === 'CronJob') return ['spec', 'jobTemplate', 'spec', 'selector'];
  return ['spec', 'selector'];
}

/** workload-selector-mismatch: `spec.selector` must match the workload's own pod template labels. */
export function checkWorkloadSelectors(templates: readonly PodTemplate[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const t of templates) {
    const path = selectorPath(t);
    if (!path) continue;
    const raw = valueAt(t.object.value, path);
    if (raw === undefined || raw === null) continue;
    let selector: LabelSelector | undefined;
    if (t.kind === 'ReplicationController') {
      // A ReplicationController's selector is a plain map.
      const map = stringMapAt(t.object.value, path);
      selector = map ? { matchLabels: map, matchExpressions: [] } : undefined;
    } else {
      selector = readLabelSelector(raw)?.selector;
    }
    if (!selector || isEmptySelector(selector)) continue;
    const failures: string[] = [];
    for (const [k, v] of Object.entries(selector.matchLabels)) {
      if (!Object.prototype.hasOwnProperty.call(t.labels, k)) failures.push(`the template has no label ${k} (selector wants ${k}=${v})`);
      else if (t.labels[k] !== v) failures.push(`the template has ${k}=${t.labels[k]}, the selector wants ${k}=${v}`);
    }
    for (const r of selector.matchExpressions) {
      if (!matchesRequirement(r, t.labels)) failures.push(`requirement ${formatSelector({ matchLabels: {}, matchExpressions: [r] })} does not hold`);
    }
    if (failures.length === 0) continue;
    out.push(makeDiagnostic('workload-selector-mismatch', t.object, spanAt(t.object, path), {
      kind: t.kind,
      name: t.name,
      selector: formatSelector(selector),
      detail: `${failures.join('; ')}. The API server rejects this; make ${t.labelsPath.join('.')} carry every selector label.`,
    }, { related: [relatedAt(t.object, t.labelsPath, 'pod template labels')] }));
  }
  return out;
}
