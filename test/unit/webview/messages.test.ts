import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRevealAllowed, validateWebviewMessage } from '../../../client/webview/messages';

const scenario = { target: { kind: 'Service', namespace: 'default', name: 'nginx', port: 'http' }, source: 'external', sourceAddress: '203.0.113.7', via: 'loadbalancer', node: 'aks-nodepool1-0', rules: 'generated' };

function check(raw: unknown, expected: unknown): void {
  assert.deepEqual(validateWebviewMessage(raw), expected, JSON.stringify(raw)?.slice(0, 200));
}

test('well-formed messages pass, rebuilt with only their known fields', () => {
  check({ type: 'ready' }, { type: 'ready' });
  check({ type: 'ready', scenario }, { type: 'ready', scenario });
  check({ type: 'setScenario', scenario }, { type: 'setScenario', scenario });
  check({ type: 'setScenario', scenario: { ...scenario, externalTrafficPolicy: 'Local', returningClient: true, rules: { dumpUri: 'file:///w/node1.iptables' } } },
    { type: 'setScenario', scenario: { ...scenario, externalTrafficPolicy: 'Local', returningClient: true, rules: { dumpUri: 'file:///w/node1.iptables' } } });
  check({ type: 'setScenario', scenario: { ...scenario, target: { kind: 'Ingress', namespace: 'ingress-basic', name: 'hello-world-ingress' }, host: '', path: '/hello-world-two' } },
    { type: 'setScenario', scenario: { ...scenario, target: { kind: 'Ingress', namespace: 'ingress-basic', name: 'hello-world-ingress' }, host: '', path: '/hello-world-two' } });
  check({ type: 'reveal', source: { uri: 'file:///w/a.yaml', span: { start: 3, end: 9 } } }, { type: 'reveal', source: { uri: 'file:///w/a.yaml', span: { start: 3, end: 9 } } });
  check({ type: 'copyMarkdown' }, { type: 'copyMarkdown' });
  check({ type: 'saveSvg' }, { type: 'saveSvg' });
  check({ type: 'rendered', title: 'default/nginx:http', branches: 3, hops: 45 }, { type: 'rendered', title: 'default/nginx:http', branches: 3, hops: 45 });
  check({ type: 'setScenario', scenario: { ...scenario, destination: { address: '10.0.0.10', port: 53 } } }, { type: 'setScenario', scenario: { ...scenario, destination: { address: '10.0.0.10', port: 53 } } });
});

test('a damaged saved scenario does not stop the panel from starting', () => {
  check({ type: 'ready', scenario: { nonsense: true } }, { type: 'ready' });
});

test('anything else is refused', () => {
  const refused: unknown[] = [
    null, undefined, 42, 'reveal', [], {}, { type: 1 }, { type: 'eval', code: 'alert(1)' },
    { type: 'copyMarkdown', extra: 1 },
    { type: 'rendered', title: 't', branches: -1, hops: 0 },
    { type: 'rendered', title: 't', branches: 1.5, hops: 0 },
    { type: 'rendered', title: 'x'.repeat(501), branches: 1, hops: 0 },
    { type: 'rendered', title: 't', branches: 1, hops: 0, html: '<b>' },
    { type: 'setScenario', scenario: { ...scenario, destination: { address: '10.0.0.10', port: 70000 } } },
    { type: 'setScenario', scenario: { ...scenario, destination: { address: '', port: 80 } } },
    { type: 'saveSvg', svg: '<svg onload=alert(1)>' },
    { type: 'reveal' },
    { type: 'reveal', source: { uri: 'file:///w/a.yaml' } },
    { type: 'reveal', source: { uri: 'file:///w/a.yaml', span: { start: -1, end: 2 } } },
    { type: 'reveal', source: { uri: 'file:///w/a.yaml', span: { start: 5, end: 2 } } },
    { type: 'reveal', source: { uri: 'file:///w/a.yaml', span: { start: 1.5, end: 2 } } },
    { type: 'reveal', source: { uri: 'file:///w/a.yaml', span: { start: '1', end: 2 } } },
    { type: 'reveal', source: { uri: '', span: { start: 1, end: 2 } } },
    { type: 'reveal', source: { uri: 'file:///' + 'a'.repeat(5000), span: { start: 1, end: 2 } } },
    { type: 'reveal', source: { uri: 'file:///w/a.yaml', span: { start: 1, end: 2 }, command: 'x' } },
    { type: 'setScenario' },
    { type: 'setScenario', scenario: { ...scenario, source: 'satellite' } },
    { type: 'setScenario', scenario: { ...scenario, via: 'hostport' } },
    { type: 'setScenario', scenario: { ...scenario, node: 7 } },
    { type: 'setScenario', scenario: { ...scenario, node: 'n'.repeat(254) } },
    { type: 'setScenario', scenario: { ...scenario, node: 'node\u0000' } },
    { type: 'setScenario', scenario: { ...scenario, externalTrafficPolicy: 'Global' } },
    { type: 'setScenario', scenario: { ...scenario, returningClient: 'yes' } },
    { type: 'setScenario', scenario: { ...scenario, rules: 'dump' } },
    { type: 'setScenario', scenario: { ...scenario, rules: { dumpUri: '' } } },
    { type: 'setScenario', scenario: { ...scenario, rules: { dumpUri: 'file:///x', other: 1 } } },
    { type: 'setScenario', scenario: { ...scenario, target: { ...scenario.target, kind: 'Pod' } } },
    { type: 'setScenario', scenario: { ...scenario, target: { ...scenario.target, name: '' } } },
    { type: 'setScenario', scenario: { ...scenario, __proto__x: 1 } },
    { type: 'setScenario', scenario: { ...scenario, path: 'p'.repeat(5000) } },
  ];
  for (const raw of refused) check(raw, undefined);
});

test('reveal is allowed only inside the workspace folders or for our own schemes', () => {
  const folders = ['file:///home/me/project', 'vscode-remote://ssh-remote%2Bbox/srv/repo'];
  const own = ['kpp-rules'];
  const cases: [string, boolean][] = [
    ['file:///home/me/project/examples/nginx.yaml', true],
    ['file:///home/me/project', true],
    ['file:///home/me/project/a/../b.yaml', true],
    ['file:///home/me/project/%2E%2E/secret.yaml', false],
    ['file:///home/me/project/../other/x.yaml', false],
    ['file:///home/me/projectile/x.yaml', false],
    ['file:///etc/passwd', false],
    ['FILE:///home/me/project/x.yaml', true],
    ['vscode-remote://ssh-remote%2Bbox/srv/repo/k8s/svc.yaml', true],
    ['vscode-remote://other-host/srv/repo/k8s/svc.yaml', false],
    ['kpp-rules://generated/aks-nodepool1-0.rules', true],
    ['kpp-rules:/whatever', true],
    ['command:workbench.action.terminal.new', false],
    ['javascript:alert(1)', false],
    ['https://evil.example/x', false],
    ['not a uri', false],
    ['file:///home/me/project/%E0%A4%A', false],
  ];
  for (const [uri, allowed] of cases) assert.equal(isRevealAllowed(uri, folders, own), allowed, uri);
  assert.equal(isRevealAllowed('file:///home/me/project/x.yaml', [], []), false, 'no workspace: nothing on disk');
});
