import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultClusterSettings } from '../../../server/src/core/cluster/synthesizeCluster';
import { applySettings, currentSettings, defaultSettings, parseSettings, settingsVersion } from '../../../server/src/features/settings';

function check(raw: unknown, expected: { node?: string; format?: string; nodeCount?: number; podCIDR?: string; serviceCIDR?: string; controller?: string }): void {
  const s = parseSettings(raw);
  assert.equal(s.rules.node, expected.node, JSON.stringify(raw));
  assert.equal(s.rules.format, expected.format ?? 'save-legacy');
  assert.equal(s.cluster.nodeCount, expected.nodeCount ?? defaultClusterSettings.nodeCount);
  assert.equal(s.cluster.podCIDR, expected.podCIDR ?? defaultClusterSettings.podCIDR);
  assert.equal(s.cluster.serviceCIDR, expected.serviceCIDR ?? defaultClusterSettings.serviceCIDR);
  assert.equal(s.ingressControllerService, expected.controller);
}

test('no settings (Neovim, plain clients): the defaults', () => {
  for (const raw of [undefined, null, 42, 'x', [], {}]) check(raw, {});
  assert.deepEqual(parseSettings(null), defaultSettings);
});

test('nested and dotted keys', () => {
  check({ rules: { node: 'n1', format: 'save-nft' }, cluster: { nodeCount: 5, podCIDR: '10.1.0.0/16' }, ingress: { controllerService: 'ingress-nginx/ctl' } },
    { node: 'n1', format: 'save-nft', nodeCount: 5, podCIDR: '10.1.0.0/16', controller: 'ingress-nginx/ctl' });
  check({ 'rules.format': 'restore', 'cluster.serviceCIDR': ' 172.16.0.0/12 ' }, { format: 'restore', serviceCIDR: '172.16.0.0/12' });
});

test('bad values fall back to their defaults, one by one', () => {
  check({ rules: { node: '  ', format: 'node-restore' }, cluster: { nodeCount: 0, podCIDR: '10.1.0.0', serviceCIDR: '300.0.0.0/8' }, ingress: { controllerService: 'no-slash' } }, {});
  check({ cluster: { nodeCount: 2.5, podCIDR: '10.1.0.0/33' } }, {});
  check({ cluster: { nodeCount: '3' } }, {});
});

test('applySettings reports a change only when the parsed settings differ', () => {
  const v = settingsVersion();
  assert.equal(applySettings({ rules: { format: 'save-nft' } }), true);
  assert.equal(currentSettings().rules.format, 'save-nft');
  assert.equal(applySettings({ rules: { format: 'save-nft', unknown: 1 } }), false);
  assert.equal(settingsVersion(), v + 1);
  assert.equal(applySettings(undefined), true);
  assert.deepEqual(currentSettings(), defaultSettings);
});

test('kubePacketPath.kubeProxy.*: the fake-proxier switches become proxier overrides, and only when they differ from kube-proxy', () => {
  assert.deepEqual(parseSettings({}).kubeProxy, {});
  assert.deepEqual(parseSettings({ kubeProxy: { nfacctCounters: true, randomFully: true, masqueradeAll: false } }).kubeProxy, {});
  assert.deepEqual(parseSettings({ kubeProxy: { nfacctCounters: false, localTrafficDetector: false, conntrackTcpBeLiberal: true, randomFully: false, masqueradeAll: true } }).kubeProxy, {
    nfacctCounters: { ct_state_invalid_dropped_pkts: false, localhost_nps_accepted_pkts: false },
    localDetector: { mode: 'none' },
    conntrackTCPLiberal: true,
    hasRandomFully: false,
    masqueradeAll: true,
  });
  // Dotted keys, and wrong types fall back to the defaults.
  assert.deepEqual(parseSettings({ 'kubeProxy.conntrackTcpBeLiberal': true, 'kubeProxy.randomFully': 'no' }).kubeProxy, { conntrackTCPLiberal: true });
});
