// Every CodeLens provider the server runs, in display order. Add yours here.
import type { CodeLensProvider } from './codeLens';
import { servicePodsLens } from './servicePodsLens';
import { servicePortLens } from './servicePortLens';
import { traceLens } from './traceLens';

export const codeLensProviders: CodeLensProvider[] = [
  servicePodsLens,
  servicePortLens,
  traceLens,
];
