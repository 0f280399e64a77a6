// CodeLenses on a conntrack listing: one per Service (or destination) with its entry count, how
// many were DNATed / masqueraded, and its endpoints, above its first entry.
import type { CodeLens } from 'vscode-languageserver';
import { summarizeConntrack } from '../core/conntrack/decodeConntrack';
import type { CodeLensProvider } from './codeLens';
import { conntrackTableOf, openConntrack } from './dumpDocuments';
import { serviceAddressMapper } from './conntrackHover';

export const conntrackLens: CodeLensProvider = {
  id: 'conntrackLens',
  provideCodeLenses(ctx, uri): readonly CodeLens[] {
    const doc = openConntrack(ctx, uri);
    const positions = doc && ctx.positions(doc.uri);
    if (!doc || !positions) return [];
    const table = conntrackTableOf(doc);
    if (table.entries.length === 0) return [];
    const family = table.entries[0].family;
    const summaries = summarizeConntrack(table, serviceAddressMapper(ctx.snapshot, family));
    return summaries.map((s) => {
      const line = Math.min(...s.lines);
      const eps = s.endpoints.slice(0, 4).map((e) => `${e.endpoint} ×${e.entries}`).join(', ') + (s.endpoints.length > 4 ? `, +${s.endpoints.length - 4}` : '');
      const title = `${s.known ? 'Service ' : ''}${s.service}: ${s.entries} entr${s.entries === 1 ? 'y' : 'ies'}, ${s.dnat} DNAT, ${s.snat} SNAT${s.unreplied ? `, ${s.unreplied} unreplied` : ''} → ${eps}`;
      const start = { line, character: 0 };
      return { range: { start, end: start }, command: { title, command: '' } };
    });
  },
};
