export * from './types';
export { RULES, SKIPPED_NOTE_CODE, DOCS_BASE, findRule, formatMessage, type Rule } from './rules';
export { computeDiagnostics, analyseNamespace, fileDiagnostics, fingerprintNamespace, DiagnosticsEngine, type NamespaceAnalysis } from './computeDiagnostics';
export { findClosestTemplate } from './checkServices';
