// Every diagnostics provider for open non-manifest documents (iptables, conntrack). Add yours here.
import type { DocumentDiagnosticProvider } from './documentDiagnostics';

export const documentDiagnosticProviders: DocumentDiagnosticProvider[] = [];
