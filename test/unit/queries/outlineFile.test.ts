// The outline of a manifest file: each object with its notable fields, and spans that cover them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../../server/src/core/manifests/parseManifests';
import { outlineFile, type OutlineNode } from '../../../server/src/core/queries';

/** `name — detail [kind]`, children indented: what a person sees in the outline. */
function render(nodes: readonly OutlineNode[], depth = 0): string[] {
  return nodes.flatMap((n) => [`${'  '.repeat(depth)}${n.name}${n.detail ? ` — ${n.detail}` : ''} [${n.kind}]`, ...render(n.children, depth + 1)]);
}

function check(text: string, expected: string[]): void {
  const file = parseManifests('mem:///f.yaml', text);
  const outline = outlineFile(file);
  assert.deepEqual(render(outline), expected);
  const walk = (n: OutlineNode): void => {
    assert.ok(n.span.start <= n.selectionSpan.start && n.selectionSpan.end <= n.span.end, `${n.name}: selection inside the span`);
    n.children.forEach((c) => {
      assert.ok(n.span.start <= c.span.start && c.span.end <= n.span.end, `${c.name} inside ${n.name}`);
      walk(c);
    });
  };
  outline.forEach(walk);
}

test('outline: a Service and a Deployment in one file', () => {
  check(`apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: NodePort
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: http
    - port: 443
      protocol: TCP
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      initContainers:
        - name: proxy
          restartPolicy: Always
          ports:
            - containerPort: 15001
      containers:
        - name: web
          ports:
            - name: http
              containerPort: 8080
            - containerPort: 9090
`, [
    'Service web — namespace shop [object]',
    '  type — NodePort [field]',
    '  selector — app=web [selector]',
    '  port 80 (http) — → http TCP [port]',
    '  port 443 — TCP [port]',
    'Deployment web — namespace shop [object]',
    '  replicas — 2 [field]',
    '  selector — app=web [selector]',
    '  pod labels — app=web [labels]',
    '  init container proxy — 15001 [container]',
    '  container web — http:8080, 9090 [container]',
  ]);
});

test('outline: Ingress backends, a CronJob, a cluster-scoped object and a List', () => {
  check(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: front
spec:
  defaultBackend:
    service: {name: web, port: {number: 80}}
  rules:
    - host: a.example
      http:
        paths:
          - path: /x
            backend:
              service: {name: x, port: {name: http}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        metadata: {labels: {job: nightly}}
        spec:
          containers: [{name: run}]
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: solo, labels: {app: solo}}
    spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}
`, [
    'Ingress front — namespace default [object]',
    '  default backend — → web:80 [backend]',
    '  a.example/x — → x:http [backend]',
    'CronJob nightly — namespace default [object]',
    '  pod labels — job=nightly [labels]',
    '  container run [container]',
    'Namespace shop [object]',
    'Pod solo — namespace default [object]',
    '  pod labels — app=solo [labels]',
    '  container c — 80 [container]',
  ]);
});

test('outline: broken or non-Kubernetes files have no objects', () => {
  check('a: [1, 2\n', []);
  check('{"name": "not-kubernetes"}', []);
  check('', []);
});
