import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import type { WorkspaceSnapshot } from '../core/workspace/workspaceSnapshot';
import { defaultClusterSettings, type ClusterSettings } from '../core/cluster/synthesizeCluster';
import { collectFiles, describeError } from './collectFiles';
import { UsageError } from './io';

/** Reads every manifest under `paths` into a workspace snapshot (what `kpp check` does, shared by rules/trace/explain). */
export function loadWorkspace(paths: readonly string[], cwd: string): { snapshot: WorkspaceSnapshot; texts: Map<string, string> } {
  const index = new WorkspaceIndex();
  const texts = new Map<string, string>();
  for (const file of collectFiles(paths.length > 0 ? paths : ['.'], cwd)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read "${displayPath(cwd, file)}": ${describeError(e)}`);
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    texts.set(file, text);
    index.setFile(file, text, 0);
  }
  return { snapshot: index.snapshot(), texts };
}

export function displayPath(cwd: string, file: string): string {
  const rel = relative(cwd, file) || file;
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/** A tiny option reader: `--name value`, `--name=value` and flags, with clear errors. */
export class ArgReader {
  readonly positional: string[] = [];
  private readonly values = new Map<string, string>();
  private readonly flags = new Set<string>();

  constructor(args: readonly string[], valued: readonly string[], flags: readonly string[], command: string) {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '--') {
        this.positional.push(...args.slice(i + 1));
        break;
      }
      if (!a.startsWith('-') || a === '-') {
        this.positional.push(a);
        continue;
      }
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (valued.includes(name)) {
        const v = eq > 0 ? a.slice(eq + 1) : args[++i];
        if (v === undefined) throw new UsageError(`${name} needs a value (see kpp ${command} --help)`);
        this.values.set(name, v);
      } else if (flags.includes(name) && eq < 0) {
        this.flags.add(name);
      } else {
        throw new UsageError(`unknown option "${a}" (see kpp ${command} --help)`);
      }
    }
  }

  value(name: string): string | undefined {
    return this.values.get(name);
  }

  flag(name: string): boolean {
    return this.flags.has(name);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.values.get(name);
    if (v === undefined) return fallback;
    if (!allowed.includes(v as T)) throw new UsageError(`${name} must be one of ${allowed.join(', ')} (got "${v}")`);
    return v as T;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max} (got "${v}")`);
    return n;
  }
}

export const CLUSTER_OPTIONS = ['--nodes', '--pod-cidr', '--service-cidr', '--node-subnet', '--lb-cidr'] as const;

export const CLUSTER_HELP = `Synthesized cluster (used where the manifests say nothing; every such value is labelled assumed):
  --nodes N               Nodes to assume when the workspace has no Node objects (default 3)
  --pod-cidr CIDR         Cluster pod CIDR, one /24 per node (default 10.244.0.0/16, AKS kubenet)
  --service-cidr CIDR     ClusterIPs are allocated here (default 10.0.0.0/16)
  --node-subnet CIDR      Node addresses, from .4 (default 10.224.0.0/16)
  --lb-cidr CIDR          LoadBalancer IPs (default 198.51.100.0/24)`;

export function clusterSettingsFrom(r: ArgReader): ClusterSettings {
  const nodes = r.integer('--nodes', 1, 5000);
  return {
    ...defaultClusterSettings,
    ...(nodes !== undefined ? { nodeCount: nodes } : {}),
    ...(r.value('--pod-cidr') ? { podCIDR: r.value('--pod-cidr')! } : {}),
    ...(r.value('--service-cidr') ? { serviceCIDR: r.value('--service-cidr')! } : {}),
    ...(r.value('--node-subnet') ? { nodeSubnet: r.value('--node-subnet')! } : {}),
    ...(r.value('--lb-cidr') ? { loadBalancerCIDR: r.value('--lb-cidr')! } : {}),
  };
}
