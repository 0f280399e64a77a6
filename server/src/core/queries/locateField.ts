import type { FieldNode, FieldPath, ManifestFile, ManifestObject } from '../manifests/types';

/** Where an offset falls inside a file: the object, the deepest field path and whether on its key. */
export interface FieldLocus {
  readonly object: ManifestObject;
  /** Path of the deepest field whose key or value contains the offset ([] = the object itself). */
  readonly path: FieldPath;
  readonly node: FieldNode;
  readonly onKey: boolean;
}

function contains(span: { start: number; end: number }, offset: number): boolean {
  // Inclusive end: a caret right after a word still belongs to it.
  return span.start <= offset && offset <= span.end;
}

/** The object of a file that contains the offset. */
export function findObjectAt(file: ManifestFile, offset: number): ManifestObject | undefined {
  return file.objects.find((o) => contains(o.span, offset));
}

/** The deepest field of the file at `offset`, or undefined outside every object. */
export function locateField(file: ManifestFile, offset: number): FieldLocus | undefined {
  const object = findObjectAt(file, offset);
  if (!object) return undefined;
  let node = object.root;
  const path: (string | number)[] = [];
  let onKey = false;
  for (;;) {
    let next: { step: string | number; child: FieldNode; onKey: boolean } | undefined;
    if (node.fields) {
      for (const [key, child] of node.fields) {
        if (child.keySpan && contains(child.keySpan, offset)) {
          next = { step: key, child, onKey: true };
          break;
        }
        if (contains(child.valueSpan, offset) && child.valueSpan.end > child.valueSpan.start) {
          next = { step: key, child, onKey: false };
          break;
        }
      }
    } else if (node.items) {
      const i = node.items.findIndex((child) => contains(child.valueSpan, offset) && child.valueSpan.end > child.valueSpan.start);
      if (i >= 0) next = { step: i, child: node.items[i], onKey: false };
    }
    if (!next) return { object, path, node, onKey };
    path.push(next.step);
    node = next.child;
    onKey = next.onKey;
    if (onKey) return { object, path, node, onKey };
  }
}

/** Does `path` start with `prefix`? */
export function startsWithPath(path: FieldPath, prefix: FieldPath): boolean {
  return prefix.length <= path.length && prefix.every((step, i) => path[i] === step);
}
