// What is under the caret: data-driven, a `|` marks the caret in one of the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkspaceIndex } from '../../../server/src/core/workspace/workspaceIndex';
import { findTargetAt, type Target } from '../../../server/src/core/queries';

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
    tier: front
  ports:
    - name: http
      port: 80
`;
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
        tier: front
    spec:
      containers:
        - name: web
          image: nginx
`;
const CRONJOB = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            job: nightly
`;
const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: front
spec:
  defaultBackend:
    service:
      name: web
      port:
        number: 80
  rules:
    - host: example.com
      http:
        paths:
          - path: /api
            pathType: Prefix
            backend:
              service:
                name: api
                port:
                  name: http
`;

/** A short description of a target, to compare in tables. */
function describe(t: Target | undefined): string | undefined {
  if (!t) return undefined;
  switch (t.kind) {
    case 'service-selector':
      return `service-selector ${t.service.name}${t.labelKey ? ` ${t.labelKey}` : ''}`;
    case 'pod-labels':
      return `pod-labels ${t.template.kind}/${t.template.name}${t.labelKey ? ` ${t.labelKey}` : ''}`;
    case 'ingress-backend':
      return `ingress-backend ${t.ingress.name} → ${t.backend.serviceName} (${t.backend.route})${t.onPort ? ' port' : ''}`;
    case 'service-name':
      return `service-name ${t.service.name}`;
  }
}

/** `file` is the text of `caret.yaml` with a `|`; `others` are more files of the workspace. */
function check(file: string, expected: string | undefined, others: Record<string, string> = {}): void {
  const offset = file.indexOf('|');
  assert.ok(offset >= 0, 'no caret');
  const index = new WorkspaceIndex();
  index.setFile('mem:///caret.yaml', file.slice(0, offset) + file.slice(offset + 1), 1);
  for (const [uri, text] of Object.entries(others)) index.setFile(uri, text, 1);
  assert.equal(describe(findTargetAt(index.snapshot(), 'mem:///caret.yaml', offset)), expected, file.slice(Math.max(0, offset - 30), offset + 10));
}

function at(text: string, needle: string, delta = 0): string {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, needle);
  return text.slice(0, i + delta) + '|' + text.slice(i + delta);
}

const cases: [string, string, string | undefined][] = [
  ['on a selector label key', at(SERVICE, 'tier: front', 1), 'service-selector web tier'],
  ['on a selector label value', at(SERVICE, 'app: web', 6), 'service-selector web app'],
  ['on `selector:` itself', at(SERVICE, 'selector:', 2), 'service-selector web'],
  ['on the Service name', at(SERVICE, 'name: web', 7), 'service-name web'],
  ['on the Service ports', at(SERVICE, 'port: 80', 7), undefined],
  ['on apiVersion', at(SERVICE, 'apiVersion'), undefined],
  ['on a pod template label', at(DEPLOYMENT, 'tier: front', 2), 'pod-labels Deployment/web tier'],
  ['on the template `labels:` key', at(DEPLOYMENT, '      labels:', 7), 'pod-labels Deployment/web'],
  ['on the workload own labels (not what Services see)', at(DEPLOYMENT, '  labels:\n    app: web', 14), undefined],
  ['on the workload selector', at(DEPLOYMENT, 'matchLabels:', 3), undefined],
  ['on a CronJob job template label', at(CRONJOB, 'job: nightly', 1), 'pod-labels CronJob/nightly job'],
  ['on the default backend name', at(INGRESS, 'name: web', 7), 'ingress-backend front → web (default backend)'],
  ['on the default backend port', at(INGRESS, 'number: 80', 9), 'ingress-backend front → web (default backend) port'],
  ['on a rule backend port name', at(INGRESS, 'name: http', 7), 'ingress-backend front → api (example.com/api) port'],
  ['on a rule path (not a backend)', at(INGRESS, 'path: /api', 7), undefined],
];

for (const [name, file, expected] of cases) {
  test(`findTargetAt: ${name}`, () => check(file, expected, { 'mem:///other.yaml': DEPLOYMENT }));
}

test('findTargetAt: a Pod (its own labels are the pod labels)', () => {
  check('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    a|pp: web\n', 'pod-labels Pod/p app');
});

test('findTargetAt: broken YAML and unknown files give no target, never a throw', () => {
  check('kind: Service\nspec: {selector: [|\n', undefined);
  const index = new WorkspaceIndex();
  assert.equal(findTargetAt(index.snapshot(), 'mem:///missing.yaml', 3), undefined);
});

test('findTargetAt: the span is the field under the caret, key to value', () => {
  const cases: [string, string][] = [
    [at(SERVICE, 'tier: front', 1), 'tier: front'],
    [at(SERVICE, 'name: web', 7), 'name: web'],
    [at(INGRESS, 'number: 80', 9), 'number: 80'],
    [at(DEPLOYMENT, 'tier: front', 0), 'tier: front'],
  ];
  for (const [file, expected] of cases) {
    const offset = file.indexOf('|');
    const text = file.slice(0, offset) + file.slice(offset + 1);
    const index = new WorkspaceIndex();
    index.setFile('mem:///f.yaml', text, 1);
    const target = findTargetAt(index.snapshot(), 'mem:///f.yaml', offset);
    assert.ok(target);
    assert.equal(text.slice(target.span.start, target.span.end).trim(), expected);
  }
});
