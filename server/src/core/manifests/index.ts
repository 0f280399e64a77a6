export * from './types';
export { parseManifests, isClusterScopedKind, isJsonObject } from './parseManifests';
export { fieldNode, fieldSpan, entrySpan, nearestSpan, valueAt, stringMapAt } from './fieldSpan';
