// Every diagnostics provider for open non-manifest documents (iptables, conntrack). Add yours here.
import type { DocumentDiagnosticProvider } from './documentDiagnostics';
import { conntrackDiagnosticsProvider, dumpDiagnosticsProvider } from './dumpDiagnostics';

export const documentDiagnosticProviders: DocumentDiagnosticProvider[] = [
  dumpDiagnosticsProvider,
  conntrackDiagnosticsProvider,
];
