/**
 * Endpoint handling, data-driven: which endpoints kube-proxy keeps, in which order, and which it
 * routes to for each traffic policy (ready, serving-terminating fallback, topology hints).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateDualStackRules, generateRules } from '../../../server/src/core/kubeproxy/generateRules';
import { defaultProxierConfig } from '../../../server/src/core/kubeproxy/config';
import { convertEndpointsToSlices } from '../../../server/src/core/kubeproxy/proxyState';
import type { GeneratedServicePort, ProxierConfig } from '../../../server/src/core/kubeproxy/types';

interface Ep {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  zones?: string[];
}

function service(spec: Record<string, unknown> = {}): unknown {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'ns', name: 'svc' }, spec: { clusterIP: '10.0.0.1', ports: [{ name: 'p', port: 80, protocol: 'TCP' }], ...spec } };
}

function slice(eps: Ep[], name = 'svc-1', extra: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: 'ns', name, labels: { 'kubernetes.io/service-name': 'svc' } },
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      ...(e.node ? { nodeName: e.node } : {}),
      conditions: { ...(e.ready === undefined ? {} : { ready: e.ready }), ...(e.serving === undefined ? {} : { serving: e.serving }), ...(e.terminating === undefined ? {} : { terminating: e.terminating }) },
      ...(e.zones ? { hints: { forZones: e.zones.map((z) => ({ name: z })) } } : {}),
    })),
    ports: [{ name: 'p', port: 8080, protocol: 'TCP' }],
    ...extra,
  };
}

const config: ProxierConfig = { ...defaultProxierConfig(), nodeName: 'me' };

function port(spec: Record<string, unknown>, slices: unknown[], nodes: unknown[] = [], cfg: Partial<ProxierConfig> = {}): GeneratedServicePort {
  const out = generateRules({ services: [service(spec)], endpointSlices: slices, nodes, config: { ...config, ...cfg } });
  assert.equal(out.servicePorts.length, 1);
  return out.servicePorts[0];
}

interface Case {
  name: string;
  spec?: Record<string, unknown>;
  eps: Ep[];
  cluster: string[];
  local: string[];
  hasEndpoints: boolean;
}

const cases: Case[] = [
  { name: 'ordered by "ip:port" string, not numerically', eps: [{ ip: '10.1.1.1' }, { ip: '10.1.1.11' }, { ip: '10.1.1.2' }], cluster: ['10.1.1.11:8080', '10.1.1.1:8080', '10.1.1.2:8080'], local: [], hasEndpoints: true },
  { name: 'not-ready endpoints are left out', eps: [{ ip: '10.0.1.1', ready: false }, { ip: '10.0.1.2' }], cluster: ['10.0.1.2:8080'], local: [], hasEndpoints: true },
  {
    name: 'cluster falls back to serving terminating endpoints',
    eps: [{ ip: '10.0.1.1', ready: false, serving: true, terminating: true }, { ip: '10.0.1.2', ready: false, serving: false, terminating: true }],
    cluster: ['10.0.1.1:8080'],
    local: [],
    hasEndpoints: true,
  },
  { name: 'nothing usable: REJECT', eps: [{ ip: '10.0.1.1', ready: false }], cluster: [], local: [], hasEndpoints: false },
  {
    name: 'iTP Local uses local ready endpoints only',
    spec: { internalTrafficPolicy: 'Local' },
    eps: [{ ip: '10.0.1.1', node: 'me' }, { ip: '10.0.1.2', node: 'other' }],
    cluster: [],
    local: ['10.0.1.1:8080'],
    hasEndpoints: true,
  },
  {
    name: 'eTP Local: local terminating fallback is independent of the cluster set',
    spec: { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 30080 }] },
    eps: [{ ip: '10.0.1.1', node: 'me', ready: false, serving: true, terminating: true }, { ip: '10.0.1.2', node: 'other' }],
    cluster: ['10.0.1.2:8080'],
    local: ['10.0.1.1:8080'],
    hasEndpoints: true,
  },
  {
    name: 'zone hints: same-zone endpoints only when every ready endpoint has a hint',
    eps: [{ ip: '10.0.1.1', zones: ['z1'] }, { ip: '10.0.1.2', zones: ['z2'] }],
    cluster: ['10.0.1.1:8080'],
    local: [],
    hasEndpoints: true,
  },
  {
    name: 'zone hints ignored when one endpoint has none',
    eps: [{ ip: '10.0.1.1', zones: ['z1'] }, { ip: '10.0.1.2' }],
    cluster: ['10.0.1.1:8080', '10.0.1.2:8080'],
    local: [],
    hasEndpoints: true,
  },
  {
    name: 'leading zeros are normalised before ordering and hashing',
    eps: [{ ip: '10.180.00.001' }],
    cluster: ['10.180.0.1:8080'],
    local: [],
    hasEndpoints: true,
  },
];

const zoneNode = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'me', labels: { 'topology.kubernetes.io/zone': 'z1' } } };

describe('endpoint selection', () => {
  for (const c of cases) {
    test(c.name, () => {
      const p = port(c.spec ?? {}, [slice(c.eps)], [zoneNode]);
      assert.deepEqual(p.clusterEndpoints, c.cluster);
      assert.deepEqual(p.localEndpoints, c.local);
      assert.equal(p.hasEndpoints, c.hasEndpoints);
    });
  }

  test('the same endpoint in two slices: a non-terminating copy wins', () => {
    const a = slice([{ ip: '10.0.1.1', ready: false, serving: true, terminating: true }], 'svc-a');
    const b = slice([{ ip: '10.0.1.1' }], 'svc-b');
    for (const order of [[a, b], [b, a]]) {
      const p = port({}, order);
      assert.equal(p.endpoints.length, 1);
      assert.equal(p.endpoints[0].terminating, false);
      assert.deepEqual(p.clusterEndpoints, ['10.0.1.1:8080']);
    }
  });

  test('slices of the other family, or without the service-name label, are ignored', () => {
    const v6 = { ...(slice([{ ip: 'fd00::1' }]) as object), addressType: 'IPv6' };
    const unlabeled = { ...(slice([{ ip: '10.0.9.9' }]) as object), metadata: { namespace: 'ns', name: 'x' } };
    const p = port({}, [v6, unlabeled, slice([{ ip: '10.0.1.1' }])]);
    assert.deepEqual(p.endpoints.map((e) => e.endpoint), ['10.0.1.1:8080']);
  });

  test('endpoint metadata: SEP chain, locality and conditions', () => {
    const p = port({}, [slice([{ ip: '10.0.1.1', node: 'me' }, { ip: '10.0.1.2', node: 'x', ready: false }])]);
    assert.deepEqual(
      p.endpoints.map((e) => [e.endpoint, e.local, e.ready, e.programmed, e.chain.startsWith('KUBE-SEP-')]),
      [
        ['10.0.1.1:8080', true, true, true, true],
        ['10.0.1.2:8080', false, false, false, true],
      ],
    );
  });

  test('probabilities 1/n for n = 3 endpoints', () => {
    const out = generateRules({ services: [service()], endpointSlices: [slice([{ ip: '10.0.1.1' }, { ip: '10.0.1.2' }, { ip: '10.0.1.3' }])], config });
    const svcRules = out.restore.split('\n').filter((l) => l.startsWith('-A KUBE-SVC-'));
    assert.deepEqual(
      svcRules.map((l) => / --probability (\S+)/.exec(l)?.[1] ?? '-'),
      ['0.3333333333', '0.5000000000', '-'],
    );
  });

  test('large-cluster mode drops endpoint comments above the threshold', () => {
    const eps = [{ ip: '10.0.1.1' }, { ip: '10.0.1.2' }, { ip: '10.0.1.3' }];
    const small = generateRules({ services: [service()], endpointSlices: [slice(eps)], config: { ...config, largeClusterEndpointsThreshold: 3 } });
    const large = generateRules({ services: [service()], endpointSlices: [slice(eps)], config: { ...config, largeClusterEndpointsThreshold: 2 } });
    assert.equal(small.largeClusterMode, false);
    assert.equal(large.largeClusterMode, true);
    assert.ok(small.restore.includes('-A KUBE-SVC-') && small.restore.includes('"ns/svc:p -> 10.0.1.1:8080"'));
    assert.ok(!large.restore.split('\n').some((l) => (l.startsWith('-A KUBE-SEP-') || / -j KUBE-SEP-/.test(l)) && l.includes('--comment')));
    assert.ok(large.restore.includes('"ns/svc:p cluster IP"'), 'service-level comments stay');
  });
});

describe('legacy Endpoints', () => {
  test('converted like the mirroring controller, per family', () => {
    const slices = convertEndpointsToSlices([
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { namespace: 'ns', name: 'svc' },
        subsets: [{ addresses: [{ ip: '10.0.0.5', nodeName: 'me' }, { ip: 'fd00::5' }], notReadyAddresses: [{ ip: '10.0.0.6' }], ports: [{ name: 'p', port: 8080 }] }],
      },
    ]) as any[];
    assert.deepEqual(
      slices.map((s) => [s.addressType, s.metadata.labels['kubernetes.io/service-name'], s.endpoints.map((e: any) => [e.addresses[0], e.conditions.ready, e.nodeName ?? '']), s.ports]),
      [
        ['IPv4', 'svc', [['10.0.0.5', true, 'me'], ['10.0.0.6', false, '']], [{ name: 'p', port: 8080, protocol: 'TCP' }]],
        ['IPv6', 'svc', [['fd00::5', true, '']], [{ name: 'p', port: 8080, protocol: 'TCP' }]],
      ],
    );
  });
  test('ignored for a Service that has EndpointSlices', () => {
    const legacy = { apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: 'ns', name: 'svc' }, subsets: [{ addresses: [{ ip: '10.9.9.9' }], ports: [{ name: 'p', port: 8080 }] }] };
    const withSlice = generateRules({ services: [service()], endpointSlices: [slice([{ ip: '10.0.1.1' }])], endpoints: [legacy], config });
    assert.deepEqual(withSlice.servicePorts[0].clusterEndpoints, ['10.0.1.1:8080']);
    const alone = generateRules({ services: [service()], endpointSlices: [], endpoints: [legacy], config });
    assert.deepEqual(alone.servicePorts[0].clusterEndpoints, ['10.9.9.9:8080']);
  });
});

describe('whole-ruleset shape', () => {
  test('no services: only the top-level chains and fixed rules', () => {
    const out = generateRules({ services: [], endpointSlices: [], config: { ...config, nfacctCounters: { ct_state_invalid_dropped_pkts: false, localhost_nps_accepted_pkts: false }, hasRandomFully: false } });
    assert.equal(
      out.restore,
      [
        '*filter',
        ':KUBE-SERVICES - [0:0]',
        ':KUBE-EXTERNAL-SERVICES - [0:0]',
        ':KUBE-FORWARD - [0:0]',
        ':KUBE-NODEPORTS - [0:0]',
        ':KUBE-PROXY-FIREWALL - [0:0]',
        ':KUBE-FIREWALL - [0:0]',
        '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
        '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT',
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
        'COMMIT',
        '*nat',
        ':KUBE-SERVICES - [0:0]',
        ':KUBE-NODEPORTS - [0:0]',
        ':KUBE-POSTROUTING - [0:0]',
        ':KUBE-MARK-MASQ - [0:0]',
        '-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN',
        '-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000',
        '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
        '-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000',
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });
  test('dual stack: the IPv6 proxier never has localhost NodePorts', () => {
    const svc = service({ type: 'NodePort', ipFamilies: ['IPv4', 'IPv6'], clusterIPs: ['10.0.0.1', 'fd00::1'], ports: [{ name: 'p', port: 80, protocol: 'TCP', nodePort: 30080 }] });
    const v6 = { ...(slice([{ ip: 'fd00:1::1' }]) as object), addressType: 'IPv6' };
    const both = generateDualStackRules({ services: [svc], endpointSlices: [slice([{ ip: '10.0.1.1' }]), v6], config });
    assert.ok(both.ipv4.restore.includes('-d 127.0.0.0/8 --dport 30080 -m nfacct'));
    assert.ok(both.ipv6.restore.includes('-j DNAT --to-destination [fd00:1::1]:8080'));
    assert.ok(!both.ipv6.restore.includes('127.0.0.0/8'));
  });
  test('malformed objects are skipped, never thrown on', () => {
    const out = generateRules({ services: [null, 42, 'x', { spec: 'no' }, { metadata: { name: 'a' }, spec: { clusterIP: 'bogus', ports: [{ port: 80 }] } }], endpointSlices: [null, { metadata: 7 }], config });
    assert.equal(out.servicePorts.length, 0);
    assert.ok(out.messages.some((m) => m.severity === 'error' && m.message.includes('bogus')));
  });
});
