export { WorkspaceIndex, type WorkspaceIndexStats } from './workspaceIndex';
export { WorkspaceSnapshot, type NamespaceContent, type SnapshotAnalyser } from './workspaceSnapshot';
export { readPodTemplate, type PodTemplate, type ContainerPort } from './podTemplates';
