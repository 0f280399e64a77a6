import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { clusterOfSnapshot, nodeRulesOfSnapshot } from '../core/cluster/clusterOfSnapshot';
import { parseKubeProxyConfiguration } from '../core/kubeproxy/config';
import { sortIPTablesRules } from '../core/kubeproxy/sortRules';
import type { ProxierConfig } from '../core/kubeproxy/types';
import { completeNodeRuleset } from '../core/save/completeNodeRuleset';
import { formatSave } from '../core/save/formatSave';
import { describeError } from './collectFiles';
import { EXIT_OK, UsageError, type CliIo, type Subcommand } from './io';
import { ArgReader, CLUSTER_HELP, CLUSTER_OPTIONS, clusterSettingsFrom, loadWorkspace } from './workspaceLoad';

export type RulesFormat = 'restore' | 'save-legacy' | 'save-nft';

const USAGE = `Usage: kpp rules [PATH...] [--config KUBE_PROXY_CONFIG.yaml] [--node NAME] [--node-ip IP[,IP...]]
                 [--format restore|save-legacy|save-nft] [--ipv6] [options]

Prints the iptables rules kube-proxy (iptables mode) would program on one node for the Services
under each PATH (default: the current folder).

  --format restore        What kube-proxy feeds to iptables-restore, in the canonical order of
                          kube-proxy's own tests (default)
  --format save-legacy    What iptables-legacy-save prints on the node afterwards (whole node:
                          built-in chains and kube-proxy's jumps included)
  --format save-nft       The same for iptables-nft-save
  --config FILE           A KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1); one in the
                          workspace is used otherwise
  --node NAME             The node (default: the first Node, or the first assumed node)
  --node-ip IP[,IP...]    The node's addresses
  --ipv6                  The ip6tables ruleset (dual-stack Services get one per family)

kube-proxy settings with no KubeProxyConfiguration field:
  --no-nfacct             The nfacct counters do not exist (no -m nfacct rules)
  --no-local-detector     No local-traffic detector
  --tcp-be-liberal        nf_conntrack_tcp_be_liberal is set (no INVALID drop rule)
  --no-random-fully       iptables without --random-fully support
  --masquerade-all        Masquerade all Service traffic

${CLUSTER_HELP}

Assumed values are listed on standard error, so standard output is exactly the ruleset.
`;

const VALUED = ['--config', '--node', '--node-ip', '--format', ...CLUSTER_OPTIONS];
const FLAGS = ['--ipv6', '--no-nfacct', '--no-local-detector', '--tcp-be-liberal', '--no-random-fully', '--masquerade-all'];

function readConfigFile(path: string): Partial<ProxierConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read "${path}": ${describeError(e)}`);
  }
  const docs = parseAllDocuments(text);
  const obj = docs.map((d) => d.toJS() as unknown).find((o) => typeof o === 'object' && o !== null && (o as { kind?: unknown }).kind === 'KubeProxyConfiguration');
  if (!obj) throw new UsageError(`"${path}" has no KubeProxyConfiguration`);
  const parsed = parseKubeProxyConfiguration(obj);
  if (parsed.errors.length > 0) throw new UsageError(`"${path}": ${parsed.errors.map((e) => e.message).join('; ')}`);
  const { nodeName: _n, ...rest } = parsed.config;
  return rest;
}

export const rulesCommand: Subcommand = {
  name: 'rules',
  summary: 'Print the iptables rules kube-proxy would write on a node for these manifests',
  usage: USAGE,
  run(args: readonly string[], io: CliIo): number {
    const r = new ArgReader(args, VALUED, FLAGS, 'rules');
    const format = r.oneOf<RulesFormat>('--format', ['restore', 'save-legacy', 'save-nft'], 'restore');
    const settings = clusterSettingsFrom(r);
    const { snapshot } = loadWorkspace(r.positional, io.cwd);
    const { cluster } = clusterOfSnapshot(snapshot, settings);
    const nodeName = r.value('--node');
    if (nodeName !== undefined && !cluster.nodes.some((n) => n.name === nodeName)) {
      throw new UsageError(`no node "${nodeName}": the nodes are ${cluster.nodes.map((n) => n.name).join(', ')}`);
    }
    const family = r.flag('--ipv6') ? 'ipv6' : 'ipv4';
    const overrides: { -readonly [K in keyof ProxierConfig]?: ProxierConfig[K] } = r.value('--config') ? { ...readConfigFile(r.value('--config')!) } : {};
    if (r.value('--node-ip')) {
      const ips = r.value('--node-ip')!.split(',').map((s) => s.trim()).filter(Boolean);
      overrides.nodeIPs = ips;
      overrides.nodeInterfaceAddresses = { lo: ['127.0.0.1/8', '::1/128'], eth0: ips.map((ip) => (ip.includes(':') ? `${ip}/64` : `${ip}/24`)) };
    }
    if (r.flag('--no-nfacct')) overrides.nfacctCounters = { ct_state_invalid_dropped_pkts: false, localhost_nps_accepted_pkts: false };
    if (r.flag('--no-local-detector')) overrides.localDetector = { mode: 'none' };
    if (r.flag('--tcp-be-liberal')) overrides.conntrackTCPLiberal = true;
    if (r.flag('--no-random-fully')) overrides.hasRandomFully = false;
    if (r.flag('--masquerade-all')) overrides.masqueradeAll = true;
    const rules = nodeRulesOfSnapshot(snapshot, settings, { ...(nodeName ? { nodeName } : {}), family, overrides });

    for (const e of rules.configErrors) io.stderr(`kpp rules: ${e}\n`);
    for (const m of rules.generated.messages) io.stderr(`kpp rules: ${m.severity}: ${m.message}\n`);
    const onNode = cluster.assumptions.filter((a) => a.what !== 'podIP' || a.owner);
    if (onNode.length > 0) {
      io.stderr(`kpp rules: node ${rules.node.name}${rules.node.assumed ? ' (assumed)' : ''}; ${onNode.length} assumed value${onNode.length === 1 ? '' : 's'}:\n`);
      for (const a of onNode) io.stderr(`  ${a.text}\n`);
    }
    if (format === 'restore') {
      io.stdout(sortIPTablesRules(rules.generated.restore));
      return EXIT_OK;
    }
    const saved = formatSave(completeNodeRuleset(rules.generated.restore, { family }), format === 'save-legacy' ? 'legacy' : 'nft', family, { generatedAt: new Date() });
    for (const e of saved.errors) io.stderr(`kpp rules: ${e.severity}: ${e.message}\n`);
    io.stdout(saved.text);
    return EXIT_OK;
  },
};
