// Every CodeLens provider the server runs, in display order. Add yours here.
import type { CodeLensProvider } from './codeLens';
import { conntrackLens } from './conntrackLens';
import { servicePodsLens } from './servicePodsLens';
import { servicePortLens } from './servicePortLens';
import { traceFromHereLens } from './traceFromHereLens';
import { traceLens } from './traceLens';

export const codeLensProviders: CodeLensProvider[] = [
  servicePodsLens,
  servicePortLens,
  traceLens,
  traceFromHereLens,
  conntrackLens,
];
