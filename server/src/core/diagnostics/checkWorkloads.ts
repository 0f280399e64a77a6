import { stringMapAt, valueAt } from '../manifests/fieldSpan';
import type { FieldPath } from '../manifests/types';
import { formatSelector, isEmptySelector, matchesRequirement, readLabelSelector, type LabelSelector } from '../labels/matchesSelector';
import type { PodTemplate } from '../workspace/podTemplates';
import { addMapEntriesEdit, formatScalarText, makeDiagnostic, relatedAt, replaceValueFix, spanAt, wasQuoted } from './helpers';
import type { Diagnostic, Fix, TextEdit } from './types';

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
    const fix = labelsFix(t, selector);
    out.push(makeDiagnostic('workload-selector-mismatch', t.object, spanAt(t.object, path), {
      kind: t.kind,
      name: t.name,
      selector: formatSelector(selector),
      detail: `${failures.join('; ')}. The API server rejects this; make ${t.labelsPath.join('.')} carry every selector label.`,
    }, { related: [relatedAt(t.object, t.labelsPath, 'pod template labels')], fixes: fix ? [fix] : [] }));
  }
  return out;
}

/**
 * When only matchLabels fail: set the pod template labels to the selector's values (changing the
 * template is allowed; a Deployment's selector is immutable once created).
 */
function labelsFix(t: PodTemplate, selector: LabelSelector): Fix | undefined {
  if (selector.matchExpressions.some((r) => !matchesRequirement(r, t.labels))) return undefined;
  const edits: TextEdit[] = [];
  const missing: [string, string][] = [];
  for (const [k, v] of Object.entries(selector.matchLabels)) {
    if (!Object.prototype.hasOwnProperty.call(t.labels, k)) {
      missing.push([k, v]);
    } else if (t.labels[k] !== v) {
      const path = [...t.labelsPath, k];
      const edit = replaceValueFix(t.object, path, formatScalarText(v, t.object.uri, wasQuoted(t.object, path)), '')?.edits[0];
      if (!edit) return undefined;
      edits.push(edit);
    }
  }
  if (missing.length > 0) {
    const add = addMapEntriesEdit(t.object, t.labelsPath, missing);
    if (!add) return undefined;
    // An insertion right where a replacement ends: one edit, so that no two edits touch.
    const touching = edits.findIndex((e) => e.span.end === add.span.start);
    if (touching >= 0) edits[touching] = { ...edits[touching], newText: edits[touching].newText + add.newText };
    else edits.push(add);
  }
  if (edits.length === 0) return undefined;
  return { title: `Set the pod template labels to ${formatSelector({ matchLabels: selector.matchLabels, matchExpressions: [] })}`, edits };
}
