import { fieldNode, valueAt } from '../manifests/fieldSpan';
import type { FieldPath, JsonValue, ManifestFile, ManifestObject } from '../manifests/types';
import type { Span } from '../text/span';
import { readPodTemplate } from '../workspace/podTemplates';
import { readIngressBackends } from './ingressBackends';

export type OutlineKind = 'object' | 'selector' | 'labels' | 'port' | 'container' | 'backend' | 'field';

/** One entry of a manifest file's outline: objects, then their notable fields. */
export interface OutlineNode {
  readonly name: string;
  readonly detail?: string;
  readonly kind: OutlineKind;
  /** The whole thing. */
  readonly span: Span;
  /** What to highlight (the key, or the name). */
  readonly selectionSpan: Span;
  readonly children: readonly OutlineNode[];
}

/** The outline of a file: each object (`Service web`) with its selector, ports, containers, backends. */
export function outlineFile(file: ManifestFile): OutlineNode[] {
  return file.objects.map(outlineObject);
}

function outlineObject(obj: ManifestObject): OutlineNode {
  const nameSpan = fieldNode(obj, ['metadata', 'name'])?.valueSpan ?? fieldNode(obj, ['kind'])?.valueSpan ?? obj.span;
  const children: OutlineNode[] = [];
  const addField = (path: FieldPath, name: string, kind: OutlineKind, detail?: string, sub: OutlineNode[] = []): void => {
    const node = fieldNode(obj, path);
    if (!node) return;
    const start = node.keySpan?.start ?? node.valueSpan.start;
    children.push({
      name, kind, children: sub,
      ...(detail !== undefined ? { detail } : {}),
      span: { start, end: Math.max(start, node.valueSpan.end) },
      selectionSpan: node.keySpan ?? node.valueSpan,
    });
  };

  if (obj.kind === 'Service') {
    addField(['spec', 'type'], 'type', 'field', asText(valueAt(obj.value, ['spec', 'type'])));
    addField(['spec', 'selector'], 'selector', 'selector', formatMap(valueAt(obj.value, ['spec', 'selector'])));
    forEachItem(obj, ['spec', 'ports'], (p, path) => {
      const port = asText(valueAt(p, ['port'])) ?? '?';
      const target = asText(valueAt(p, ['targetPort']));
      const proto = asText(valueAt(p, ['protocol'])) ?? 'TCP';
      const name = asText(valueAt(p, ['name']));
      addField(path, `port ${port}${name ? ` (${name})` : ''}`, 'port', `${target !== undefined ? `→ ${target} ` : ''}${proto}`);
    });
  }
  const template = readPodTemplate(obj);
  if (template) {
    if (obj.kind !== 'Pod') addField(['spec', 'replicas'], 'replicas', 'field', asText(valueAt(obj.value, ['spec', 'replicas'])));
    if (obj.kind !== 'Pod') addField(['spec', 'selector'], 'selector', 'selector', formatMap(valueAt(obj.value, ['spec', 'selector', 'matchLabels'])));
    addField(template.labelsPath, 'pod labels', 'labels', formatMap(valueAt(obj.value, template.labelsPath)));
    for (const list of ['initContainers', 'containers'] as const) {
      forEachItem(obj, [...template.podSpecPath, list], (c, path) => {
        const ports = valueAt(c, ['ports']);
        const portText = Array.isArray(ports)
          ? ports.map((p: JsonValue) => `${asText(valueAt(p, ['name'])) ? `${asText(valueAt(p, ['name']))}:` : ''}${asText(valueAt(p, ['containerPort'])) ?? '?'}`).join(', ')
          : '';
        addField(path, `${list === 'initContainers' ? 'init container' : 'container'} ${asText(valueAt(c, ['name'])) ?? '?'}`, 'container', portText || undefined);
      });
    }
  }
  if (obj.kind === 'Ingress') {
    for (const b of readIngressBackends(obj)) {
      const port = b.port ? ('name' in b.port ? b.port.name : String(b.port.number)) : '?';
      addField(b.path, b.route, 'backend', `→ ${b.serviceName}:${port}`);
    }
  }
  if (obj.kind === 'NetworkPolicy') {
    addField(['spec', 'podSelector'], 'podSelector', 'selector', formatMap(valueAt(obj.value, ['spec', 'podSelector', 'matchLabels'])));
  }
  return {
    name: obj.name ? `${obj.kind} ${obj.name}` : obj.kind,
    kind: 'object',
    ...(obj.namespace !== undefined ? { detail: `namespace ${obj.namespace}` } : {}),
    span: obj.span,
    selectionSpan: nameSpan,
    children,
  };
}

function forEachItem(obj: ManifestObject, path: FieldPath, f: (item: JsonValue, path: FieldPath) => void): void {
  const list = valueAt(obj.value, path);
  if (Array.isArray(list)) list.forEach((item: JsonValue, i: number) => f(item, [...path, i]));
}

function asText(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function formatMap(v: JsonValue | undefined): string | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  return Object.entries(v as Readonly<Record<string, JsonValue>>).map(([k, x]) => `${k}=${asText(x) ?? ''}`).join(', ');
}
