import { valueAt } from '../manifests/fieldSpan';
import { isJsonObject } from '../manifests/parseManifests';
import type { FieldPath, JsonValue, ManifestObject } from '../manifests/types';
import {
  formatSelector, isEmptySelector, matchesRequirement, matchesSelector, readLabelSelector, type LabelSelector,
} from '../labels/matchesSelector';
import type { PodTemplate } from '../workspace/podTemplates';
import type { NamespaceContent } from '../workspace/workspaceSnapshot';
import { describe, formatScalarText, isLikelyTypo, makeDiagnostic, relatedAt, replaceValueFix, spanAt, wasQuoted } from './helpers';
import type { Diagnostic, Fix, TextEdit } from './types';

/**
 * networkpolicy-selector-matches-no-pods: `spec.podSelector`, and the `podSelector` of every
 * ingress `from` / egress `to` peer that has no `namespaceSelector` (those select pods of the
 * policy's own namespace). An empty selector selects every pod and is never flagged.
 */
export function checkNetworkPolicies(content: NamespaceContent): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const policy of content.objects) {
    if (policy.kind !== 'NetworkPolicy') continue;
    const d = checkSelector(policy, ['spec', 'podSelector'], 'spec.podSelector', content);
    if (d) out.push(d);
    for (const [section, peersKey] of [['ingress', 'from'], ['egress', 'to']] as const) {
      const rules = valueAt(policy.value, ['spec', section]);
      if (!Array.isArray(rules)) continue;
      rules.forEach((rule: JsonValue, r: number) => {
        const peers = isJsonObject(rule) ? rule[peersKey] : undefined;
        if (!Array.isArray(peers)) return;
        peers.forEach((peer: JsonValue, p: number) => {
          if (!isJsonObject(peer) || peer.namespaceSelector !== undefined || peer.podSelector === undefined) return;
          const where = `${section}[${r}].${peersKey}[${p}].podSelector`;
          const pd = checkSelector(policy, ['spec', section, r, peersKey, p, 'podSelector'], where, content);
          if (pd) out.push(pd);
        });
      });
    }
  }
  return out;
}

function checkSelector(policy: ManifestObject, path: FieldPath, where: string, content: NamespaceContent): Diagnostic | undefined {
  const read = readLabelSelector(valueAt(policy.value, path));
  if (!read || isEmptySelector(read.selector)) return undefined;
  const selector = read.selector;
  if (content.podTemplates.some((t) => matchesSelector(selector, t.labels))) return undefined;
  const closest = closestForSelector(selector, content.podTemplates);
  let detail: string;
  if (content.podTemplates.length === 0) {
    detail = ` There is no workload or Pod in namespace "${content.namespace}" in this workspace.`;
  } else if (closest) {
    const typos = Object.entries(selector.matchLabels).flatMap(([k, v]) => {
      const w = closest.labels[k];
      return Object.prototype.hasOwnProperty.call(closest.labels, k) && w !== v && isLikelyTypo(v, w) ? [`${k}=${v} looks like a typo of ${k}=${w}`] : [];
    });
    detail = ` Closest: ${describe(closest.object)} with pod labels ${formatPodLabels(closest)}${typos.length ? ` (${typos.join('; ')})` : ''}. Fix the selector, or the pod template labels.`;
  } else {
    detail = ` Pod templates here: ${content.podTemplates.slice(0, 4).map((t) => `${describe(t.object)} (${formatPodLabels(t)})`).join(', ')}${content.podTemplates.length > 4 ? ', ...' : ''}.`;
  }
  return makeDiagnostic('networkpolicy-selector-matches-no-pods', policy, spanAt(policy, path), {
    policy: policy.name,
    where,
    selector: formatSelector(selector),
    namespace: content.namespace,
    detail,
  }, {
    related: closest ? [relatedAt(closest.object, closest.labelsPath, `pod template labels of ${describe(closest.object)}`)] : [],
    fixes: closest ? typoFixes(policy, path, selector, closest) : [],
  });
}

/** When the selector misses the closest pod template only by typos in matchLabels values: use the template's values. */
function typoFixes(policy: ManifestObject, path: FieldPath, selector: LabelSelector, closest: PodTemplate): Fix[] {
  if (!selector.matchExpressions.every((r) => matchesRequirement(r, closest.labels))) return [];
  const edits: TextEdit[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels)) {
    const w = Object.prototype.hasOwnProperty.call(closest.labels, k) ? closest.labels[k] : undefined;
    if (w === v) continue;
    if (w === undefined || !isLikelyTypo(v, w)) return [];
    const valuePath = [...path, 'matchLabels', k];
    const edit = replaceValueFix(policy, valuePath, formatScalarText(w, policy.uri, wasQuoted(policy, valuePath)), '')?.edits[0];
    if (!edit) return [];
    edits.push(edit);
  }
  return edits.length ? [{ title: `Select the pods of ${describe(closest.object)} (${edits.length === 1 ? 'fix the typo' : 'fix the typos'})`, edits }] : [];
}

function formatPodLabels(t: PodTemplate): string {
  const entries = Object.entries(t.labels);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : '(none)';
}

/** The template satisfying most of the selector, counting a likely typo of a value as half a match; undefined when none comes near. */
function closestForSelector(selector: LabelSelector, templates: readonly PodTemplate[]): PodTemplate | undefined {
  let best: { t: PodTemplate; score: number } | undefined;
  for (const t of templates) {
    let score = 0;
    for (const [k, v] of Object.entries(selector.matchLabels)) {
      if (!Object.prototype.hasOwnProperty.call(t.labels, k)) continue;
      if (t.labels[k] === v) score += 1;
      else if (isLikelyTypo(v, t.labels[k])) score += 0.5;
    }
    for (const r of selector.matchExpressions) if (matchesRequirement(r, t.labels)) score++;
    if (!best || score > best.score) best = { t, score };
  }
  return best && best.score > 0 ? best.t : undefined;
}
