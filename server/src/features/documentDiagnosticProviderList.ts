// Every diagnostics provider for open non-manifest documents (iptables, conntrack). Add yours here.
import type { DocumentDiagnosticProvider } from './documentDiagnostics';
import { dumpDiagnosticsProvider } from './dumpDiagnostics';

export const documentDiagnosticProviders: DocumentDiagnosticProvider[] = [
  dumpDiagnosticsProvider,
];
