export { locateField, findObjectAt, startsWithPath, type FieldLocus } from './locateField';
export { readIngressBackends, findServicePortIndex, type IngressBackend } from './ingressBackends';
export { findTargetAt, findSelectedTemplates, findSelectingServices, findBackendService, findIngressBackendsFor, type Target } from './findTargetAt';
export { summarizePods, formatPodSummary, formatReplicas, type PodSummary } from './summarizePods';
export { outlineFile, type OutlineNode, type OutlineKind } from './outlineFile';
