import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { matchIngress } from '../../../server/src/core/trace/matchIngress';
import type { KubeObject } from '../../../server/src/core/cluster/synthesizeCluster';

function objects(yamlText: string): KubeObject[] {
  return parseAllDocuments(yamlText).map((d) => d.toJS() as KubeObject);
}

const aksRegex = objects(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: hello-world-ingress
  namespace: ingress-nginx
  annotations:
    nginx.ingress.kubernetes.io/use-regex: "true"
    nginx.ingress.kubernetes.io/rewrite-target: /$2
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - {path: /hello-world-one(/|$)(.*), pathType: Prefix, backend: {service: {name: aks-helloworld-one, port: {number: 80}}}}
      - {path: /hello-world-two(/|$)(.*), pathType: Prefix, backend: {service: {name: aks-helloworld-two, port: {number: 80}}}}
      - {path: /(.*), pathType: Prefix, backend: {service: {name: aks-helloworld-one, port: {number: 80}}}}
`);

const plain = objects(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: fallback, port: {number: 8080}}}
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
      - {path: /api/health, pathType: Exact, backend: {service: {name: health, port: {number: 80}}}}
  - host: "*.example.com"
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: wild, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: b, creationTimestamp: "2025-01-01T00:00:00Z"}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api-new, port: {number: 80}}}}
      - {path: /static, pathType: ImplementationSpecific, backend: {service: {name: static, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: other-class}
spec:
  ingressClassName: traefik
  rules:
  - host: shop.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: nope, port: {number: 80}}}}]}
`);

const cases: [string, KubeObject[], string, string, string | undefined][] = [
  // name, ingresses, host, path, expected backend service (undefined: none)
  ['regex: /hello-world-two goes to two', aksRegex, '20.1.2.3', '/hello-world-two', 'aks-helloworld-two'],
  ['regex: /hello-world-two/x goes to two', aksRegex, '', '/hello-world-two/x', 'aks-helloworld-two'],
  ['regex: case-insensitive', aksRegex, '', '/HELLO-WORLD-TWO', 'aks-helloworld-two'],
  ['regex: / goes to one via /(.*)', aksRegex, '', '/', 'aks-helloworld-one'],
  ['prefix is element-wise: /apix is not /api', plain, 'shop.example.com', '/apix', 'web'],
  ['longest prefix wins', plain, 'shop.example.com', '/api/v1', 'api'],
  ['exact beats prefix', plain, 'shop.example.com', '/api/health', 'health'],
  ['older Ingress keeps a duplicated path', plain, 'shop.example.com', '/api', 'api'],
  ['merged across Ingresses of the class', plain, 'shop.example.com', '/static/app.js', 'static'],
  ['wildcard covers one label', plain, 'www.example.com', '/', 'wild'],
  ['wildcard does not cover two labels: default backend', plain, 'a.b.example.com', '/', undefined],
];

for (const [name, ingresses, host, path, expected] of cases) {
  test(`matchIngress: ${name}`, () => {
    const m = matchIngress(ingresses, 'nginx', host, path);
    assert.equal(m.winner?.backend?.service, expected, m.explanation);
    if (expected) {
      assert.equal(m.candidates[0].winner, true);
      assert.equal(m.candidates.filter((c) => c.winner).length, 1);
    }
  });
}

test('matchIngress: no match falls back to defaultBackend, other classes ignored', () => {
  const m = matchIngress(plain, 'nginx', 'a.b.example.com', '/');
  assert.equal(m.defaultBackend?.backend.service, 'fallback');
  assert.ok(m.candidates.every((c) => c.ingress !== 'default/other-class'));
  const shadowed = matchIngress(plain, 'nginx', 'shop.example.com', '/api').candidates.find((c) => c.ingress === 'default/b' && c.path === '/api')!;
  assert.match(shadowed.why, /older Ingress default\/a/);
});

test('matchIngress: nothing at all gives the controller 404', () => {
  const m = matchIngress([], 'nginx', 'x', '/');
  assert.equal(m.winner, undefined);
  assert.match(m.explanation, /404/);
});
