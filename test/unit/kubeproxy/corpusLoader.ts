/**
 * Reads kube-proxy's conformance corpus (`../shared/kube-proxy` beside the repository) as it is,
 * and maps a case's `config.json` to a ProxierConfig.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { LocalDetectorConfig, ProxierConfig, ProxierInput } from '../../../server/src/core/kubeproxy/types';

export const repoRoot = path.resolve(__dirname, '../../..');
export const corpusRoot = path.resolve(repoRoot, '../shared/kube-proxy');
export const corpusPresent = existsSync(path.join(corpusRoot, 'cases'));

export interface CorpusCase {
  readonly folder: string;
  readonly dir: string;
  readonly config: any;
  readonly files: ReadonlySet<string>;
}

export function listCases(): CorpusCase[] {
  if (!corpusPresent) return [];
  const casesDir = path.join(corpusRoot, 'cases');
  return readdirSync(casesDir)
    .sort()
    .map((folder) => {
      const dir = path.join(casesDir, folder);
      return { folder, dir, config: JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')), files: new Set(readdirSync(dir)) };
    });
}

export function readCaseFile(c: CorpusCase, name: string): string {
  return readFileSync(path.join(c.dir, name), 'utf8');
}

export function readManifests(c: CorpusCase): { services: unknown[]; endpointSlices: unknown[] } {
  const services: unknown[] = [];
  const endpointSlices: unknown[] = [];
  if (!c.files.has('manifests.yaml')) return { services, endpointSlices };
  for (const doc of parseAllDocuments(readCaseFile(c, 'manifests.yaml'))) {
    const v = doc.toJS() as any;
    if (!v || typeof v !== 'object') continue;
    if (v.kind === 'Service') services.push(v);
    else if (v.kind === 'EndpointSlice') endpointSlices.push(v);
  }
  return { services, endpointSlices };
}

/** config.json `effective` (which already includes `overrides`) as a ProxierConfig. */
export function corpusProxierConfig(config: any): ProxierConfig {
  const e = { ...config.effective, ...config.overrides };
  const det = e.localDetector;
  const localDetector: LocalDetectorConfig = det === null || det === undefined ? { mode: 'none' } : { mode: 'ClusterCIDR', cidrs: [det.cidr] };
  const nf = e.nfAcctCounters ?? {};
  return {
    nodeName: e.nodeName,
    nodeIPs: [e.nodeIP],
    ipFamily: e.ipFamily === 'IPv6' ? 'ipv6' : 'ipv4',
    localDetector,
    masqueradeBit: e.masqueradeBit,
    masqueradeMark: e.masqueradeMark,
    masqueradeAll: e.masqueradeAll,
    localhostNodePorts: e.localhostNodePorts,
    nodePortAddresses: e.nodePortAddresses ?? [],
    nfacctCounters: { ct_state_invalid_dropped_pkts: nf.ct_state_invalid_dropped_pkts === true, localhost_nps_accepted_pkts: nf.localhost_nps_accepted_pkts === true },
    conntrackTCPLiberal: e.conntrackTCPLiberal,
    hasRandomFully: e.hasRandomFully,
    largeClusterEndpointsThreshold: e.largeClusterEndpointsThreshold,
    nodeInterfaceAddresses: e.nodeInterfaceAddresses,
    featureGates: { LoadBalancerIPMode: e.featureGates?.LoadBalancerIPMode ?? true, PreferSameTrafficDistribution: false },
  };
}

export function corpusInput(c: CorpusCase): ProxierInput {
  return { ...readManifests(c), config: corpusProxierConfig(c.config) };
}
