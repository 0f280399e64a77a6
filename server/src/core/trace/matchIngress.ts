/* eslint-disable @typescript-eslint/no-explicit-any -- Ingress objects are plain JSON of any shape; reads are guarded. */
import type { KubeObject } from '../cluster/synthesizeCluster';

/**
 * Which Ingress rule ingress-nginx uses for a request, following its documented path matching:
 * - the rules of every Ingress of the class are merged per host; an exact host beats a wildcard
 *   host (`*.example.com` covers one label), and a request with no matching host uses the rules
 *   without a host;
 * - paths are ordered by descending length; an `Exact` path is an exact `location =`; `Prefix`
 *   matches whole path elements (`/foo` matches `/foo` and `/foo/bar`, not `/foobar`);
 *   `ImplementationSpecific` is a plain prefix;
 * - when any Ingress for a host sets `nginx.ingress.kubernetes.io/use-regex: "true"` or a
 *   `rewrite-target`, every path of that host becomes a case-insensitive regular expression
 *   anchored at the start (`location ~* "^<path>"`), and the first that matches in length order wins;
 * - when two Ingresses define the same host and path, the older one (creationTimestamp, then
 *   namespace/name) wins;
 * - with no rule, the `defaultBackend` of an Ingress of the class, else the controller's own
 *   default backend (404).
 */

export interface IngressBackendRef {
  readonly namespace: string;
  readonly service: string;
  /** Port number or name as the Ingress gives it. */
  readonly port: number | string | undefined;
}

export interface IngressCandidate {
  readonly ingress: string; // ns/name
  readonly host: string; // '' for any host
  readonly path: string;
  readonly pathType: string;
  readonly backend: IngressBackendRef | undefined;
  readonly matched: boolean;
  readonly winner: boolean;
  readonly why: string;
  /** Where the path is written: index into the Ingress's rules and paths (for revealing it). */
  readonly ruleIndex: number;
  readonly pathIndex: number;
  readonly object: KubeObject;
}

export interface IngressMatch {
  readonly candidates: readonly IngressCandidate[];
  readonly winner?: IngressCandidate;
  /** Set when no rule matched: the defaultBackend used, if any. */
  readonly defaultBackend?: { readonly ingress: string; readonly backend: IngressBackendRef };
  readonly regexMode: boolean;
  readonly explanation: string;
}

const USE_REGEX = 'nginx.ingress.kubernetes.io/use-regex';
const REWRITE_TARGET = 'nginx.ingress.kubernetes.io/rewrite-target';

function nsName(o: KubeObject): string {
  return `${o.metadata?.namespace || 'default'}/${o.metadata?.name ?? ''}`;
}

function backendOf(ns: string, b: any): IngressBackendRef | undefined {
  const svc = b?.service;
  if (!svc || typeof svc.name !== 'string') return undefined;
  const port = typeof svc.port?.number === 'number' ? svc.port.number : typeof svc.port?.name === 'string' ? svc.port.name : undefined;
  return { namespace: ns, service: svc.name, port };
}

function hostMatches(ruleHost: string, host: string): 'exact' | 'wildcard' | 'any' | undefined {
  if (ruleHost === '') return 'any';
  const h = host.toLowerCase();
  const r = ruleHost.toLowerCase();
  if (r === h) return 'exact';
  if (r.startsWith('*.')) {
    const rest = r.slice(1); // ".example.com"
    if (h.endsWith(rest)) {
      const label = h.slice(0, h.length - rest.length);
      if (label !== '' && !label.includes('.')) return 'wildcard';
    }
  }
  return undefined;
}

function prefixMatches(path: string, request: string): boolean {
  // Element-wise: "/foo/" and "/foo" both match "/foo" and "/foo/bar".
  const p = path.replace(/\/+$/, '');
  if (p === '') return true;
  return request === p || request.startsWith(p + '/');
}

function safeRegex(path: string): RegExp | undefined {
  try {
    return new RegExp('^' + path, 'i');
  } catch {
    return undefined;
  }
}

function isOfClass(ing: KubeObject, className: string | undefined): boolean {
  if (className === undefined) return true;
  const c = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.['kubernetes.io/ingress.class'];
  return c === className;
}

function olderFirst(a: KubeObject, b: KubeObject): number {
  const ta = String(a.metadata?.creationTimestamp ?? '');
  const tb = String(b.metadata?.creationTimestamp ?? '');
  if (ta !== tb) return ta === '' ? 1 : tb === '' ? -1 : ta < tb ? -1 : 1;
  const na = nsName(a);
  const nb = nsName(b);
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** Decides which Ingress path of `className` (undefined: all Ingresses) serves `host` + `path`. Pure. */
export function matchIngress(ingresses: readonly KubeObject[], className: string | undefined, host: string, path: string): IngressMatch {
  const ofClass = ingresses.filter((i) => i.kind === 'Ingress' && isOfClass(i, className)).sort(olderFirst);
  const requestPath = path.startsWith('/') ? path : '/' + path;

  // Pick the host group: exact host > wildcard > rules without host.
  interface Raw { ing: KubeObject; host: string; path: string; pathType: string; backend: IngressBackendRef | undefined; ruleIndex: number; pathIndex: number; kind: 'exact' | 'wildcard' | 'any' | undefined }
  const raws: Raw[] = [];
  for (const ing of ofClass) {
    const ns = ing.metadata?.namespace || 'default';
    (Array.isArray(ing.spec?.rules) ? ing.spec.rules : []).forEach((rule: any, ruleIndex: number) => {
      const ruleHost = typeof rule?.host === 'string' ? rule.host : '';
      (Array.isArray(rule?.http?.paths) ? rule.http.paths : []).forEach((p: any, pathIndex: number) => {
        raws.push({
          ing,
          host: ruleHost,
          path: typeof p?.path === 'string' && p.path !== '' ? p.path : '/',
          pathType: typeof p?.pathType === 'string' ? p.pathType : 'ImplementationSpecific',
          backend: backendOf(ns, p?.backend),
          ruleIndex,
          pathIndex,
          kind: hostMatches(ruleHost, host),
        });
      });
    });
  }
  const best = raws.some((r) => r.kind === 'exact') ? 'exact' : raws.some((r) => r.kind === 'wildcard') ? 'wildcard' : 'any';
  const group = raws.filter((r) => r.kind === best);
  const groupHost = group[0]?.host ?? '';
  const regexMode = group.some((r) => r.ing.metadata?.annotations?.[USE_REGEX] === 'true' || typeof r.ing.metadata?.annotations?.[REWRITE_TARGET] === 'string');

  // Same host+path in two Ingresses: the older keeps it.
  const seen = new Set<string>();
  const dedup: (Raw & { shadowedBy?: string })[] = [];
  for (const r of group) {
    const key = `${r.pathType === 'Exact' ? '=' : ''}${r.path}`;
    if (seen.has(key)) {
      const first = group.find((g) => `${g.pathType === 'Exact' ? '=' : ''}${g.path}` === key)!;
      dedup.push({ ...r, shadowedBy: nsName(first.ing) });
      continue;
    }
    seen.add(key);
    dedup.push(r);
  }

  const ordered = [...dedup].sort((a, b) => b.path.length - a.path.length);
  const pathMatches = (r: Raw): boolean => {
    if (r.pathType === 'Exact') return r.path === requestPath;
    if (regexMode) return safeRegex(r.path)?.test(requestPath) ?? false;
    if (r.pathType === 'Prefix') return prefixMatches(r.path, requestPath);
    return requestPath.startsWith(r.path);
  };
  let winner: (typeof ordered)[number] | undefined;
  let why = '';
  const exact = ordered.find((r) => !r.shadowedBy && r.pathType === 'Exact' && r.path === requestPath);
  if (exact) {
    winner = exact;
    why = `exact path ${exact.path} matches and an exact location always wins`;
  } else {
    for (const r of ordered) {
      if (r.shadowedBy || r.pathType === 'Exact') continue;
      if (pathMatches(r)) {
        winner = r;
        why = regexMode
          ? `regular expression ^${r.path} (case-insensitive) is the longest path that matches; use-regex or rewrite-target makes every path of this host a regex`
          : `${r.pathType} path ${r.path} is the longest that matches ${requestPath}`;
        break;
      }
    }
  }

  const candidates: IngressCandidate[] = raws.map((r) => {
    const inGroup = dedup.find((d) => d.ing === r.ing && d.ruleIndex === r.ruleIndex && d.pathIndex === r.pathIndex);
    const isWinner = winner !== undefined && winner.ing === r.ing && winner.ruleIndex === r.ruleIndex && winner.pathIndex === r.pathIndex;
    // Matched: the request fits this rule's host group and path, whether or not it won.
    const matched = inGroup !== undefined && pathMatches(r);
    let reason: string;
    if (isWinner) reason = why;
    else if (!inGroup) reason = r.kind === undefined ? `host ${r.host || '(any)'} does not match ${host || '(none)'}` : `a more specific host rule (${groupHost || 'any host'}) serves this request`;
    else if (inGroup.shadowedBy) reason = `the same host and path is already defined by the older Ingress ${inGroup.shadowedBy}`;
    else if (r.pathType === 'Exact') reason = `exact path ${r.path} is not ${requestPath}`;
    else if (matched && winner) reason = `matches too, but ${winner.pathType === 'Exact' ? 'the exact path' : 'the longer path'} ${winner.path} is tried first and wins`;
    else reason = `${regexMode ? 'regular expression ^' + r.path : r.pathType + ' path ' + r.path} does not match ${requestPath}`;
    return {
      ingress: nsName(r.ing),
      host: r.host,
      path: r.path,
      pathType: r.pathType,
      backend: r.backend,
      matched,
      winner: isWinner,
      why: reason,
      ruleIndex: r.ruleIndex,
      pathIndex: r.pathIndex,
      object: r.ing,
    };
  });
  // The winner first, then the rest in the order nginx tries them.
  candidates.sort((a, b) => (a.winner === b.winner ? b.path.length - a.path.length : a.winner ? -1 : 1));

  if (winner) {
    const w = candidates.find((c) => c.winner)!;
    return { candidates, winner: w, regexMode, explanation: `ingress-nginx picks ${w.ingress} ${w.host || '(any host)'} ${w.path}: ${why}.` };
  }
  const withDefault = ofClass.find((i) => backendOf(i.metadata?.namespace || 'default', i.spec?.defaultBackend));
  if (withDefault) {
    const backend = backendOf(withDefault.metadata?.namespace || 'default', withDefault.spec.defaultBackend)!;
    return { candidates, defaultBackend: { ingress: nsName(withDefault), backend }, regexMode, explanation: `No rule matches ${host || '(no host)'}${requestPath}, so the defaultBackend of ${nsName(withDefault)} (${backend.service}) serves it.` };
  }
  return { candidates, regexMode, explanation: `No rule matches ${host || '(no host)'}${requestPath} and no Ingress of the class has a defaultBackend: the controller's own default backend answers 404.` };
}
