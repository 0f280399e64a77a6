/**
 * Drift on kube-proxy's own corpus: every case's expected.restore against the rules generated for
 * its own manifests shows no drift; then the manifests are mutated (an endpoint dropped, the
 * external traffic policy changed, session affinity switched, the NodePort changed, a Service
 * removed) and each mutation must produce its own drift code. Also: a dump without comments maps
 * by hash, and the pre-1.6 unnamed-port hash is accepted.
 */
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { parseDump } from '../../../server/src/core/iptables/parseDump';
import { generateRules } from '../../../server/src/core/kubeproxy/generateRules';
import type { ProxierInput } from '../../../server/src/core/kubeproxy/types';
import { detectDrift, type DriftCode } from '../../../server/src/core/dump/drift';
import { mapChains } from '../../../server/src/core/dump/mapChains';
import { corpusInput, corpusPresent, listCases, readCaseFile } from '../kubeproxy/corpusLoader';

function driftCodes(dumpText: string, input: ProxierInput): DriftCode[] {
  const generated = generateRules(input);
  return detectDrift({ dump: parseDump(dumpText), generated, expected: parseDump(generated.restore) })
    .filter((f) => f.code !== 'drift-no-endpoints' || !f.workspaceAgrees)
    .map((f) => f.code);
}

const cases = listCases().filter((c) => c.files.has('expected.restore') && c.config.syncKind === 'full');

describe('drift: no drift between a corpus case and its own manifests', { skip: !corpusPresent }, () => {
  test('the corpus has full-sync cases', () => assert.ok(cases.length >= 3, `${cases.length} cases`));
  for (const c of cases) {
    test(c.folder, () => {
      assert.deepEqual(driftCodes(readCaseFile(c, 'expected.restore'), corpusInput(c)), []);
    });
  }
});

const fullCases = listCases().filter((c) => c.files.has('manifests.yaml') && c.config.syncKind === 'full');

describe('drift: generated rules without their comments (large-cluster style) against their own manifests', { skip: !corpusPresent }, () => {
  test('the corpus has full-sync cases with manifests', () => assert.ok(fullCases.length > 20, `${fullCases.length} cases`));
  for (const c of fullCases) {
    test(c.folder, () => {
      const input = corpusInput(c);
      const stripped = generateRules(input).restore.replace(/ -m comment --comment (?:"[^"]*"|\S+)/g, '');
      assert.deepEqual(driftCodes(stripped, input), []);
    });
  }
});

const overall = cases.find((c) => c.folder === 'TestOverallIPTablesRules');

function mutate(input: ProxierInput, edit: (services: any[], slices: any[]) => void): ProxierInput {
  const services = structuredClone(input.services) as any[];
  const endpointSlices = structuredClone(input.endpointSlices) as any[];
  edit(services, endpointSlices);
  return { ...input, services, endpointSlices };
}

function service(list: any[], ns: string, name: string): any {
  const s = list.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
  assert.ok(s, `${ns}/${name} in the corpus manifests`);
  return s;
}

function slice(list: any[], ns: string, name: string): any {
  const s = list.find((x) => x.metadata.namespace === ns && x.metadata.labels?.['kubernetes.io/service-name'] === name);
  assert.ok(s, `a slice of ${ns}/${name}`);
  return s;
}

describe('drift: mutated manifests against TestOverallIPTablesRules', { skip: !overall }, () => {
  const dump = (): string => readCaseFile(overall!, 'expected.restore');
  const base = (): ProxierInput => corpusInput(overall!);
  function check(name: string, edit: (services: any[], slices: any[]) => void, expected: DriftCode[]): void {
    test(name, () => {
      const codes = driftCodes(dump(), mutate(base(), edit));
      assert.deepEqual([...new Set(codes)].sort(), [...expected].sort(), `codes: ${codes.join(', ')}`);
    });
  }
  check('an endpoint dropped from ns4/svc4', (_s, slices) => {
    const sl = slice(slices, 'ns4', 'svc4');
    sl.endpoints = sl.endpoints.slice(0, 1);
  }, ['drift-endpoints-differ']);
  check('an endpoint added to ns1/svc1', (_s, slices) => {
    const sl = slice(slices, 'ns1', 'svc1');
    sl.endpoints = [...sl.endpoints, { ...sl.endpoints[0], addresses: ['10.180.0.99'] }];
  }, ['drift-endpoints-differ']);
  check('externalTrafficPolicy of ns2/svc2 changed to Cluster', (services) => {
    const s = service(services, 'ns2', 'svc2');
    s.spec.externalTrafficPolicy = 'Cluster';
    delete s.spec.healthCheckNodePort;
  }, ['drift-traffic-policy']);
  check('sessionAffinity of ns5/svc5 removed', (services) => {
    const s = service(services, 'ns5', 'svc5');
    delete s.spec.sessionAffinity;
    delete s.spec.sessionAffinityConfig;
  }, ['drift-session-affinity']);
  check('the NodePort of ns3/svc3 changed', (services) => {
    const s = service(services, 'ns3', 'svc3');
    s.spec.ports[0].nodePort = 31999;
  }, ['drift-node-port']);
  check('ns1/svc1 removed from the workspace', (services, slices) => {
    services.splice(services.indexOf(service(services, 'ns1', 'svc1')), 1);
    slices.splice(slices.indexOf(slice(slices, 'ns1', 'svc1')), 1);
  }, ['drift-service-not-in-workspace']);
  check('a Service the node does not have', (services, slices) => {
    const s = structuredClone(service(services, 'ns1', 'svc1'));
    s.metadata.name = 'extra';
    s.spec.clusterIP = '172.30.0.99';
    s.spec.clusterIPs = ['172.30.0.99'];
    services.push(s);
    const sl = structuredClone(slice(slices, 'ns1', 'svc1'));
    sl.metadata.name = 'extra-abc';
    sl.metadata.labels['kubernetes.io/service-name'] = 'extra';
    slices.push(sl);
  }, ['drift-service-missing']);
  check('ns6/svc6 given an endpoint the node rejects for', (_s, slices) => {
    slices.push({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { namespace: 'ns6', name: 'svc6-abc', labels: { 'kubernetes.io/service-name': 'svc6' } },
      addressType: 'IPv4', ports: [{ name: 'p80', port: 80, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.180.0.6'], conditions: { ready: true } }],
    });
  }, ['drift-no-endpoints']);
});

describe('mapChains', { skip: !overall }, () => {
  test('every per-Service chain of the corpus dump maps by hash, and without comments too', () => {
    const input = corpusInput(overall!);
    const gen = generateRules(input);
    const text = readCaseFile(overall!, 'expected.restore');
    const stripped = text.replace(/ -m comment --comment (?:"[^"]*"|\S+)/g, '');
    assert.notEqual(stripped, text);
    for (const t of [text, stripped]) {
      const map = mapChains(parseDump(t), gen.servicePorts);
      assert.ok(map.owners.length > 10);
      for (const o of map.owners) {
        assert.equal(o.via, 'hash', `${o.chain} maps by hash`);
        assert.ok(o.servicePort, o.chain);
        if (o.kind === 'sep') assert.match(o.endpoint ?? '', /^10\.180\.0\.\d+:80$/);
      }
    }
  });
  test('comments name the Service port when the hash is not the workspace\'s', () => {
    const map = mapChains(parseDump(readCaseFile(overall!, 'expected.restore')), []);
    const svc4 = map.owners.filter((o) => o.svcPortName === 'ns4/svc4:p80');
    assert.deepEqual(svc4.map((o) => o.kind).sort(), ['ext', 'sep', 'sep', 'svc']);
    assert.ok(svc4.every((o) => o.via === 'comment' && o.servicePort === undefined));
  });
});

describe('drift: the kernel\'s own dumps of TestOverallIPTablesRules (legacy, nft, counters, -S, -L) against its manifests', { skip: !overall }, () => {
  const fixtures = ['overall-legacy.save', 'overall-nft.save', 'overall-legacy-counters.save', 'overall-nft-counters.save', 'overall-nat.S.txt', 'overall-nat.L.txt', 'overall-nat.Lx.txt'];
  for (const name of fixtures) {
    test(name, () => {
      const text = readFileSync(join(__dirname, '..', '..', 'fixtures', 'dumps', name), 'utf8');
      const input = corpusInput(overall!);
      const generated = generateRules(input);
      const dump = parseDump(text);
      const map = mapChains(dump, generated.servicePorts);
      assert.ok(map.owners.length >= 15, `${map.owners.length} chains mapped`);
      for (const o of map.owners) assert.ok(o.servicePort, `${o.chain} (${o.via})`);
      const findings = detectDrift({ dump, generated, expected: parseDump(generated.restore), map }).filter((f) => !(f.code === 'drift-no-endpoints' && f.workspaceAgrees));
      // -S/-L of the nat table alone cannot show the filter table's REJECTs; everything else must agree.
      assert.deepEqual(findings.map((f) => `${f.code}: ${f.message}`), []);
    });
  }
});

describe('drift: the kernel dump against mutated manifests', { skip: !overall }, () => {
  const text = (): string => readFileSync(join(__dirname, '..', '..', 'fixtures', 'dumps', 'overall-nft-counters.save'), 'utf8');
  test('an endpoint dropped and an eTP changed show on the real nft dump with counters', () => {
    const input = mutate(corpusInput(overall!), (services, slices) => {
      const sl = slice(slices, 'ns4', 'svc4');
      sl.endpoints = sl.endpoints.slice(1);
      const s = service(services, 'ns2', 'svc2');
      s.spec.externalTrafficPolicy = 'Cluster';
      delete s.spec.healthCheckNodePort;
    });
    assert.deepEqual([...new Set(driftCodes(text(), input))].sort(), ['drift-endpoints-differ', 'drift-traffic-policy']);
  });
});
