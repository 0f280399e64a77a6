/**
 * A request path that an Ingress rule path would match, for "Trace packet path" on that rule: the
 * path itself for Exact and Prefix paths; for a regular expression (ingress-nginx `use-regex`,
 * ImplementationSpecific paths such as `/hello-world-two(/|$)(.*)`) the literal text before the
 * first regex operator. Always starts with `/`. Pure; never throws.
 */
export function sampleRequestPath(rulePath: unknown): string {
  if (typeof rulePath !== 'string' || !rulePath.startsWith('/')) return '/';
  const cut = rulePath.search(/[()[\]{}*+?.^$|\\]/);
  const literal = cut < 0 ? rulePath : rulePath.slice(0, cut);
  return literal === '' ? '/' : literal;
}
