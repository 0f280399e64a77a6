/**
 * Scenarios the kube-proxy corpus does not cover, as golden files under ./golden:
 * `<name>.restore` (the generated iptables-restore text, kube-proxy's write order) and
 * `<name>.meta.json` (the per-service-port metadata), and `*.fragment` for one service port's
 * rules (not a complete ruleset, so not `.restore`: the kernel round-trip test loads every
 * `.restore` here). `UPDATE_GOLDEN=1` rewrites them on purpose; review the diff before committing. Each scenario also states the facts it is about as plain
 * assertions, so a golden rewritten with a wrong generator still fails.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { generateRules } from '../../../server/src/core/kubeproxy/generateRules';
import { applyKubeProxyConfiguration, defaultProxierConfig, parseKubeProxyConfiguration } from '../../../server/src/core/kubeproxy/config';
import { checkIPTablesRuleJumps, extractChainRules, parseTestDump } from '../../../server/src/core/kubeproxy/sortRules';
import type { GeneratedRules, ProxierConfig } from '../../../server/src/core/kubeproxy/types';
import { formatServicePortRules, listServicePortRules } from '../../../server/src/core/kubeproxy/serviceRules';

const goldenDir = path.join(__dirname, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

interface Scenario {
  readonly name: string;
  /** Services, EndpointSlices, Endpoints, Nodes and at most one KubeProxyConfiguration. */
  readonly yaml: string;
  readonly config?: Partial<ProxierConfig>;
  readonly facts: (out: GeneratedRules) => void;
}

function run(s: Scenario): GeneratedRules {
  const services: unknown[] = [];
  const endpointSlices: unknown[] = [];
  const endpoints: unknown[] = [];
  const nodes: unknown[] = [];
  let config: ProxierConfig = { ...defaultProxierConfig(), nodeName: 'node-1', nodeIPs: ['192.168.0.10', 'fd00:192:168::10'] };
  for (const doc of parseAllDocuments(s.yaml)) {
    const v = doc.toJS() as any;
    if (!v) continue;
    if (v.kind === 'Service') services.push(v);
    else if (v.kind === 'EndpointSlice') endpointSlices.push(v);
    else if (v.kind === 'Endpoints') endpoints.push(v);
    else if (v.kind === 'Node') nodes.push(v);
    else if (v.kind === 'KubeProxyConfiguration') {
      const parsed = parseKubeProxyConfiguration(v);
      assert.deepEqual(parsed.errors, [], 'KubeProxyConfiguration errors');
      config = applyKubeProxyConfiguration(config, parsed.config);
    }
  }
  config = { ...config, ...s.config };
  return generateRules({ services, endpointSlices, endpoints, nodes, config });
}

function metaOf(out: GeneratedRules): unknown {
  return {
    ipFamily: out.ipFamily,
    largeClusterMode: out.largeClusterMode,
    totalEndpoints: out.totalEndpoints,
    noLocalEndpoints: out.noLocalEndpoints,
    messages: out.messages,
    servicePorts: out.servicePorts,
  };
}

function checkGolden(file: string, actual: string): void {
  const p = path.join(goldenDir, file);
  if (update || !existsSync(p)) {
    if (!update) assert.fail(`golden ${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(p, actual);
    return;
  }
  assert.equal(actual, readFileSync(p, 'utf8'), `golden ${file} (UPDATE_GOLDEN=1 rewrites it)`);
}

/** The metadata must point at the right lines of `restore`. */
function checkLineMetadata(out: GeneratedRules): void {
  const lines = out.restore.split('\n');
  for (const sp of out.servicePorts) {
    for (const c of sp.chainLines) {
      assert.equal(lines[c.declarationLine], `:${c.chain} - [0:0]`, `${c.chain} declaration line`);
      let count = 0;
      for (const r of c.ranges) {
        for (let i = r.start; i < r.end; i++) {
          assert.ok(lines[i].startsWith(`-A ${c.chain} `), `line ${i} belongs to ${c.chain}: ${lines[i]}`);
          count++;
        }
      }
      const all = extractChainRules(out.restore, c.table, c.chain).split('\n').filter((l) => l !== '');
      assert.equal(count, all.length, `every rule of ${c.chain} is in its ranges`);
    }
    for (const s of sp.sharedRuleLines) {
      assert.ok(lines[s.line].startsWith(`-A ${s.chain} `), `shared line ${s.line} is in ${s.chain}`);
      assert.ok(lines[s.line].includes(sp.svcPortName), `shared line ${s.line} names ${sp.svcPortName}`);
    }
  }
}

const svcLines = (out: GeneratedRules, table: string, chain: string): string[] => extractChainRules(out.restore, table, chain).split('\n').filter((l) => l !== '');

const DUAL_STACK = `
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clusterCIDR: 10.244.0.0/16,fd00:10:244::/56
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  ipFamilyPolicy: PreferDualStack
  ipFamilies: [IPv4, IPv6]
  clusterIP: 10.0.0.10
  clusterIPs: [10.0.0.10, 'fd00:10:96::a']
  externalIPs: [192.168.99.5, '2001:db8:99::5']
  loadBalancerSourceRanges: [203.0.113.0/24, '2001:db8:113::/48']
  ports:
  - {name: http, port: 80, targetPort: 8080, protocol: TCP, nodePort: 30080}
status:
  loadBalancer:
    ingress:
    - ip: 20.1.2.3
    - ip: '2603:1030::5'
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-v4, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints:
- {addresses: [10.244.1.5], nodeName: node-1}
- {addresses: [10.244.2.7], nodeName: node-2}
ports: [{name: http, port: 8080, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-v6, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv6
endpoints:
- {addresses: ['fd00:10:244:1::5'], nodeName: node-1}
- {addresses: ['fd00:10:244:2::7'], nodeName: node-2}
ports: [{name: http, port: 8080, protocol: TCP}]
`;

const UDP_SCTP = `
apiVersion: v1
kind: Service
metadata: {name: dns, namespace: kube-system}
spec:
  clusterIP: 10.0.0.10
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: dns-abc, namespace: kube-system, labels: {kubernetes.io/service-name: dns}}
addressType: IPv4
endpoints:
- {addresses: [10.244.0.3], nodeName: node-1, conditions: {ready: true}}
- {addresses: [10.244.1.4], nodeName: node-2, conditions: {ready: true}}
ports:
- {name: dns, port: 53, protocol: UDP}
- {name: dns-tcp, port: 53, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {name: signalling, namespace: telco}
spec:
  type: NodePort
  clusterIP: 10.0.7.7
  ports:
  - {name: sctp, port: 3868, protocol: SCTP, nodePort: 31868}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: signalling-1, namespace: telco, labels: {kubernetes.io/service-name: signalling}}
addressType: IPv4
endpoints:
- {addresses: [10.244.2.9], nodeName: node-3}
ports: [{name: sctp, port: 3868, protocol: SCTP}]
`;

const MULTI_PORT_UNNAMED = `
apiVersion: v1
kind: Service
metadata: {name: app, namespace: default}
spec:
  clusterIP: 10.0.3.3
  ports:
  - {port: 80, protocol: TCP}
  - {name: metrics, port: 9090, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: app-x1, namespace: default, labels: {kubernetes.io/service-name: app}}
addressType: IPv4
endpoints:
- {addresses: [10.244.0.21]}
- {addresses: [10.244.0.3]}
- {addresses: [10.244.0.100]}
ports:
- {name: '', port: 8080, protocol: TCP}
- {name: metrics, port: 9090, protocol: TCP}
`;

const LOCAL_SERVICE = `
apiVersion: v1
kind: Node
metadata: {name: node-1, labels: {topology.kubernetes.io/zone: z1}}
spec: {podCIDR: 10.244.1.0/24, podCIDRs: [10.244.1.0/24]}
status: {addresses: [{type: InternalIP, address: 192.168.0.10}]}
---
apiVersion: v1
kind: Service
metadata: {name: ingress, namespace: edge}
spec:
  type: NodePort
  clusterIP: 10.0.5.5
  externalTrafficPolicy: Local
  ports:
  - {name: https, port: 443, protocol: TCP, nodePort: 30443}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ingress-1, namespace: edge, labels: {kubernetes.io/service-name: ingress}}
addressType: IPv4
endpoints:
- {addresses: [10.244.1.8], nodeName: node-1}
- {addresses: [10.244.2.8], nodeName: node-2}
ports: [{name: https, port: 8443, protocol: TCP}]
`;

const kpc = (body: string): string => `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n${body}\n---\n`;

const AFFINITY_TERMINATING = `
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  clusterIP: 10.0.9.9
  internalTrafficPolicy: Local
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}
  ports:
  - {name: http, port: 80, protocol: TCP}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: cart-1, namespace: shop, labels: {kubernetes.io/service-name: cart}}
addressType: IPv4
endpoints:
- {addresses: [10.244.1.2], nodeName: node-1, conditions: {ready: false, serving: true, terminating: true}}
- {addresses: [10.244.1.3], nodeName: node-1, conditions: {ready: false, serving: true, terminating: true}}
- {addresses: [10.244.1.4], nodeName: node-1, conditions: {ready: false, serving: false, terminating: true}}
- {addresses: [10.244.2.2], nodeName: node-2, conditions: {ready: true}}
ports: [{name: http, port: 8080, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: nginx, namespace: default}
spec:
  clusterIP: 10.0.1.1
  sessionAffinity: ClientIP
  ports:
  - {name: http, port: 80, protocol: TCP}
---
apiVersion: v1
kind: Endpoints
metadata: {name: nginx, namespace: default}
subsets:
- addresses: [{ip: 10.244.0.5, nodeName: node-1}, {ip: 10.244.1.5, nodeName: node-2}, {ip: 10.244.2.5, nodeName: node-3}]
  notReadyAddresses: [{ip: 10.244.0.6, nodeName: node-1}]
  ports: [{name: http, port: 80, protocol: TCP}]
`;

const NO_RULES = `
apiVersion: v1
kind: Service
metadata: {name: headless, namespace: default}
spec: {clusterIP: None, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: external, namespace: default}
spec: {type: ExternalName, externalName: example.com, clusterIP: 10.0.0.77, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: bad, namespace: default}
spec:
  clusterIP: 10.0.0.88
  externalIPs: ['not-an-ip', '', '2001:db8::1']
  loadBalancerSourceRanges: ['10.0.0.0/33']
  ports: [{name: http, port: 80}]
`;

const scenarios: Scenario[] = [
  {
    name: 'dual-stack-ipv6',
    yaml: DUAL_STACK,
    config: { ipFamily: 'ipv6' },
    facts: (out) => {
      assert.equal(out.ipFamily, 'IPv6');
      const services = svcLines(out, 'nat', 'KUBE-SERVICES');
      assert.ok(services.some((l) => l.includes('-d fd00:10:96::a --dport 80')), 'IPv6 cluster IP');
      assert.ok(services.some((l) => l.includes('-d 2001:db8:99::5 --dport 80')), 'IPv6 external IP');
      assert.ok(services.some((l) => l.includes('-d 2603:1030::5 --dport 80')), 'IPv6 LB IP');
      assert.ok(!out.restore.includes('10.0.0.10') && !out.restore.includes('20.1.2.3'), 'no IPv4 address in the IPv6 ruleset');
      assert.ok(out.restore.includes('-j DNAT --to-destination [fd00:10:244:1::5]:8080'));
      assert.ok(out.restore.includes('! -s fd00:10:244::/56 -j KUBE-MARK-MASQ'), 'IPv6 cluster CIDR detector');
      assert.ok(out.restore.includes('-s 2001:db8:113::/48 -j KUBE-EXT-'), 'only the IPv6 source range');
      assert.ok(out.restore.includes('-m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS'));
      assert.ok(!out.restore.includes('KUBE-FIREWALL'), 'no localnet rule for IPv6');
      assert.ok(!out.restore.includes('localhost_nps_accepted_pkts'), 'no localhost NodePorts for IPv6');
    },
  },
  {
    name: 'dual-stack-ipv4',
    yaml: DUAL_STACK,
    facts: (out) => {
      assert.ok(out.restore.includes('-d 10.0.0.10 --dport 80'));
      assert.ok(!out.restore.includes('fd00:'), 'no IPv6 address in the IPv4 ruleset');
      assert.ok(out.restore.includes('! -s 10.244.0.0/16 -j KUBE-MARK-MASQ'));
      assert.ok(out.restore.includes('--or-mark 0x00004000'), 'real kube-proxy writes the mark with %#08x');
    },
  },
  {
    name: 'udp-sctp',
    yaml: UDP_SCTP,
    facts: (out) => {
      assert.ok(out.restore.includes('"kube-system/dns:dns cluster IP" -m udp -p udp -d 10.0.0.10 --dport 53'));
      assert.ok(out.restore.includes('"kube-system/dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.0.0.10 --dport 53'));
      assert.ok(out.restore.includes('-m sctp -p sctp --dport 31868 -j KUBE-EXT-'));
      assert.ok(out.restore.includes('-m udp -p udp -j DNAT --to-destination 10.244.0.3:53'));
      const udp = out.servicePorts.find((p) => p.portName === 'dns')!;
      const tcp = out.servicePorts.find((p) => p.portName === 'dns-tcp')!;
      assert.notEqual(udp.chains.svc, tcp.chains.svc, 'protocol is part of the hash');
      assert.notEqual(udp.endpoints[0].chain, tcp.endpoints[0].chain);
    },
  },
  {
    name: 'multi-port-unnamed',
    yaml: MULTI_PORT_UNNAMED,
    facts: (out) => {
      const unnamed = out.servicePorts.find((p) => p.portName === '')!;
      assert.equal(unnamed.svcPortName, 'default/app');
      assert.ok(out.restore.includes('"default/app cluster IP" -m tcp -p tcp -d 10.0.3.3 --dport 80'));
      assert.ok(out.restore.includes('"default/app:metrics cluster IP" -m tcp -p tcp -d 10.0.3.3 --dport 9090'));
      // kube-proxy orders endpoints by their "ip:port" string: 10.244.0.100 < 10.244.0.21 < 10.244.0.3.
      assert.deepEqual(unnamed.clusterEndpoints, ['10.244.0.100:8080', '10.244.0.21:8080', '10.244.0.3:8080']);
      assert.ok(out.restore.includes('"default/app -> 10.244.0.100:8080" -m statistic --mode random --probability 0.3333333333 -j'));
      assert.ok(out.restore.includes('"default/app -> 10.244.0.21:8080" -m statistic --mode random --probability 0.5000000000 -j'));
    },
  },
  ...(
    [
      ['detect-local-cluster-cidr', kpc('clusterCIDR: 10.244.0.0/16'), '-s 10.244.0.0/16', '! -s 10.244.0.0/16'],
      ['detect-local-node-cidr', kpc('detectLocalMode: NodeCIDR\nclusterCIDR: 10.244.0.0/16'), '-s 10.244.1.0/24', '! -s 10.244.1.0/24'],
      ['detect-local-bridge', kpc('detectLocalMode: BridgeInterface\ndetectLocal: {bridgeInterface: cbr0}'), '-i cbr0', '! -i cbr0'],
      ['detect-local-interface-prefix', kpc('detectLocalMode: InterfaceNamePrefix\ndetectLocal: {interfaceNamePrefix: veth}'), '-i veth+', '! -i veth+'],
      ['detect-local-none', kpc('mode: iptables'), undefined, undefined],
    ] as const
  ).map(([name, head, ifLocal, ifNotLocal]): Scenario => ({
    name,
    yaml: head + LOCAL_SERVICE,
    facts: (out) => {
      const ext = svcLines(out, 'nat', out.servicePorts[0].chains.ext);
      const svc = svcLines(out, 'nat', out.servicePorts[0].chains.svc);
      if (ifLocal) {
        assert.ok(ext[0].includes(`"pod traffic for edge/ingress:https external destinations" ${ifLocal} -j KUBE-SVC-`), ext[0]);
        assert.ok(svc[0].endsWith(`${ifNotLocal} -j KUBE-MARK-MASQ`), svc[0]);
      } else {
        assert.ok(!ext.some((l) => l.includes('pod traffic')), 'no short-circuit without a detector');
        assert.ok(!svc.some((l) => l.includes('KUBE-MARK-MASQ')), 'no masquerade rule without a detector');
      }
      assert.equal(ext[ext.length - 1], `-A ${out.servicePorts[0].chains.ext} -j ${out.servicePorts[0].chains.svl}`);
      assert.deepEqual(out.servicePorts[0].localEndpoints, ['10.244.1.8:8443']);
    },
  })),
  {
    name: 'masquerade-all-random-fully',
    yaml: kpc('clusterCIDR: 10.244.0.0/16\niptables: {masqueradeAll: true, masqueradeBit: 10, localhostNodePorts: false}') + UDP_SCTP,
    config: { hasRandomFully: true },
    facts: (out) => {
      assert.equal(out.masqueradeMark, '0x00000400');
      assert.ok(out.restore.includes('-j MASQUERADE --random-fully\n'));
      assert.ok(out.restore.includes('-A KUBE-MARK-MASQ -j MARK --or-mark 0x00000400\n'));
      assert.ok(out.restore.includes('"kube-system/dns:dns cluster IP" -m udp -p udp -d 10.0.0.10 --dport 53 -j KUBE-MARK-MASQ'), 'masqueradeAll: no source match');
      assert.ok(out.restore.includes('-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS'));
      assert.ok(!out.restore.includes('KUBE-FIREWALL'));
    },
  },
  {
    name: 'no-random-fully-nodeport-addresses',
    yaml: kpc('clusterCIDR: 10.244.0.0/16\nnodePortAddresses: [primary]') + UDP_SCTP,
    config: { hasRandomFully: false, nodeInterfaceAddresses: { lo: ['127.0.0.1/8'], eth0: ['192.168.0.10/24', '192.168.0.11/24'] } },
    facts: (out) => {
      assert.ok(out.restore.includes('-j MASQUERADE\n'));
      assert.ok(out.restore.includes('"kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d 192.168.0.10 -j KUBE-NODEPORTS'));
      assert.ok(!out.restore.includes('-d 192.168.0.11 -j KUBE-NODEPORTS'));
      assert.ok(!out.restore.includes('127.0.0.0/8 --dport'), 'nodePortAddresses without loopback turns localhost NodePorts off');
    },
  },
  {
    name: 'affinity-terminating-legacy-endpoints',
    yaml: AFFINITY_TERMINATING,
    facts: (out) => {
      const cart = out.servicePorts.find((p) => p.name === 'cart')!;
      assert.deepEqual(cart.localEndpoints, ['10.244.1.2:8080', '10.244.1.3:8080'], 'only serving terminating local endpoints');
      assert.ok(out.restore.includes('-m recent --name KUBE-SEP-'));
      assert.ok(out.restore.includes('--rcheck --seconds 600 --reap'));
      const nginx = out.servicePorts.find((p) => p.name === 'nginx')!;
      assert.deepEqual(nginx.clusterEndpoints, ['10.244.0.5:80', '10.244.1.5:80', '10.244.2.5:80'], 'from legacy Endpoints, not-ready left out');
      assert.ok(out.restore.includes('--rcheck --seconds 10800 --reap'), 'default affinity timeout');
      assert.ok(out.restore.includes('"default/nginx:http -> 10.244.0.5:80" -m statistic --mode random --probability 0.3333333333'));
    },
  },
  {
    name: 'headless-externalname-bad-ips',
    yaml: NO_RULES,
    facts: (out) => {
      assert.deepEqual(out.servicePorts.map((p) => p.svcPortName), ['default/bad:http']);
      assert.ok(!out.restore.includes('headless') && !out.restore.includes('default/external'));
      assert.deepEqual(out.servicePorts[0].externalIPs, [], 'invalid and other-family external IPs skipped');
      assert.ok(out.messages.some((m) => m.message.includes('not-an-ip')));
      assert.ok(out.messages.some((m) => m.message.includes('10.0.0.0/33')));
      assert.ok(out.restore.includes('"default/bad:http has no endpoints"'));
    },
  },
];

describe('scenarios (golden)', () => {
  for (const s of scenarios) {
    test(s.name, () => {
      const out = run(s);
      assert.deepEqual(parseTestDump(out.restore).errors, []);
      assert.deepEqual(checkIPTablesRuleJumps(out.restore), []);
      checkLineMetadata(out);
      s.facts(out);
      checkGolden(`${s.name}.restore`, out.restore);
      checkGolden(`${s.name}.meta.json`, JSON.stringify(metaOf(out), null, 2) + '\n');
    });
  }
  test('one service port\'s rules: every line of the ruleset belongs to exactly one port or to kube-proxy itself', () => {
    for (const s of scenarios) {
      const out = run(s);
      const owner = new Map<number, string>();
      for (const sp of out.servicePorts) {
        for (const l of listServicePortRules(out, sp)) {
          assert.ok(!owner.has(l.line), `${s.name}: line ${l.line} claimed twice`);
          owner.set(l.line, sp.svcPortName);
        }
        const text = formatServicePortRules(out, sp);
        assert.deepEqual(parseTestDump(text).errors, [], `${s.name}: ${sp.svcPortName} rules parse`);
      }
      const lines = out.restore.split('\n');
      lines.forEach((l, i) => {
        if (!l.startsWith('-A ') || owner.has(i)) return;
        // Unowned rules are kube-proxy's fixed ones.
        assert.match(l, /^-A (KUBE-POSTROUTING|KUBE-MARK-MASQ|KUBE-FORWARD|KUBE-FIREWALL|KUBE-SERVICES -m comment --comment "kubernetes service nodeports)/, `${s.name}: line ${i} ${l}`);
      });
    }
  });
  test('formatServicePortRules for the unnamed port of multi-port-unnamed', () => {
    const out = run(scenarios.find((s) => s.name === 'multi-port-unnamed')!);
    const sp = out.servicePorts.find((p) => p.portName === '')!;
    checkGolden('multi-port-unnamed.port-default-app.fragment', formatServicePortRules(out, sp));
  });
  test('generation is deterministic and independent of input order', () => {
    const a = run(scenarios[0]);
    const docs = scenarios[0].yaml.split('\n---\n').reverse().join('\n---\n');
    const b = run({ ...scenarios[0], yaml: docs });
    assert.equal(a.restore, b.restore);
  });
});
