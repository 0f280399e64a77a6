// Every CodeLens provider the server runs, in display order. Add yours here.
import type { CodeLensProvider } from './codeLens';
import { servicePodsLens } from './servicePodsLens';

export const codeLensProviders: CodeLensProvider[] = [
  servicePodsLens,
];
