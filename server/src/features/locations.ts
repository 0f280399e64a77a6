// Where the editor jumps for objects the queries return: LSP Locations built from the core's spans.
import type { Location } from 'vscode-languageserver';
import { entrySpan, fieldNode } from '../core/manifests/fieldSpan';
import type { FieldPath, ManifestObject } from '../core/manifests/types';
import type { PodTemplate } from '../core/workspace/podTemplates';
import type { Span } from '../core/text/span';
import type { FeatureContext } from './featureContext';

export function spanLocation(ctx: FeatureContext, uri: string, span: Span | undefined): Location | undefined {
  const p = ctx.positions(uri);
  if (!p || !span) return undefined;
  return { uri, range: p.toRange(trimTrailingSpace(ctx.snapshot.file(uri)?.text, span)) };
}

/** Block values end after their last newline; a location reads better ending on its last character. */
export function trimTrailingSpace(text: string | undefined, span: Span): Span {
  if (text === undefined) return span;
  let end = span.end;
  while (end > span.start && /\s/.test(text[end - 1])) end--;
  return { start: span.start, end };
}

/** The field at `path` (key to end of value), falling back to the object's name, then the object. */
export function fieldLocation(ctx: FeatureContext, obj: ManifestObject, path: FieldPath): Location | undefined {
  return spanLocation(ctx, obj.uri, entrySpan(obj, path) ?? objectNameSpan(obj));
}

export function objectNameSpan(obj: ManifestObject): Span {
  return fieldNode(obj, ['metadata', 'name'])?.valueSpan ?? obj.span;
}

/** A pod template's labels (one label when `labelKey` is given and present). */
export function templateLabelsLocation(ctx: FeatureContext, t: PodTemplate, labelKey?: string): Location | undefined {
  const path = labelKey !== undefined && fieldNode(t.object, [...t.labelsPath, labelKey]) ? [...t.labelsPath, labelKey] : t.labelsPath;
  return fieldLocation(ctx, t.object, path);
}

/** A Service's selector (one label when `labelKey` is given and present). */
export function serviceSelectorLocation(ctx: FeatureContext, service: ManifestObject, labelKey?: string): Location | undefined {
  const path = labelKey !== undefined && fieldNode(service, ['spec', 'selector', labelKey]) ? ['spec', 'selector', labelKey] : ['spec', 'selector'];
  return fieldLocation(ctx, service, path);
}
