// CodeLenses come from a list of providers (codeLensProviderList.ts). Each provider looks at one file
// and returns its lenses; add a lens kind by writing a provider and adding it to the list.
import type { CodeLens, CodeLensParams } from 'vscode-languageserver';
import type { FeatureContext } from './featureContext';

export interface CodeLensProvider {
  /** For logs when it fails. */
  readonly id: string;
  provideCodeLenses(ctx: FeatureContext, uri: string): readonly CodeLens[];
}

/** Runs every provider; one failing provider loses only its own lenses. */
export function provideCodeLenses(
  ctx: FeatureContext,
  params: CodeLensParams,
  providers: readonly CodeLensProvider[],
  onError: (providerId: string, err: unknown) => void,
): CodeLens[] {
  const uri = params.textDocument.uri;
  if (!ctx.positions(uri)) return [];
  const out: CodeLens[] = [];
  for (const provider of providers) {
    try {
      out.push(...provider.provideCodeLenses(ctx, uri));
    } catch (err) {
      onError(provider.id, err);
    }
  }
  return out;
}
