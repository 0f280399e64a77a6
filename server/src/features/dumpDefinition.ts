// Go to definition in an iptables dump: from a `-j`/`-g` chain name to the chain's declaration;
// from a KUBE-SVC/SVL/EXT/FW/SEP declaration to the Service (port) in the workspace that produced it,
// and from a KUBE-SEP declaration also to the workload whose pod is the endpoint.
import type { DefinitionParams, Location } from 'vscode-languageserver';
import { findChainAt } from '../core/iptables/buildChainIndex';
import type { FeatureContext } from './featureContext';
import { splitAddress } from '../core/dump/describeAddress';
import { dumpAnalysisOf, dumpWorkspaceOf, findService, openDump, servicePortLocation } from './dumpDocuments';
import { objectNameSpan, spanLocation } from './locations';

export function provideDumpDefinition(ctx: FeatureContext, params: DefinitionParams): Location[] {
  const doc = openDump(ctx, params.textDocument.uri);
  const positions = doc && ctx.positions(doc.uri);
  if (!doc || !positions) return [];
  const analysis = dumpAnalysisOf(ctx, doc);
  const hit = findChainAt(analysis.chainIndex, positions.toOffset(params.position));
  if (!hit) return [];
  if (hit.reference) {
    const span = hit.entry.nameSpan ?? hit.entry.declSpan;
    return span ? [{ uri: doc.uri, range: positions.toRange(span) }] : [];
  }
  const owner = analysis.map.byChain.get(hit.entry.chain);
  const service = owner ? findService(ctx.snapshot, owner.namespace, owner.name) : undefined;
  const location = service ? servicePortLocation(ctx, service, owner?.portName) : undefined;
  const out = location ? [location] : [];
  // An endpoint chain also leads to the workload whose pod is that endpoint.
  if (owner?.kind === 'sep' && owner.endpoint) {
    const workload = workloadLocation(ctx, splitAddress(owner.endpoint).address, owner.namespace);
    if (workload) out.push(workload);
  }
  return out;
}

function workloadLocation(ctx: FeatureContext, ip: string, namespace: string | undefined): Location | undefined {
  const pod = dumpWorkspaceOf(ctx.snapshot).cluster.pods.find((p) => p.ip === ip && (namespace === undefined || p.namespace === namespace));
  if (!pod) return undefined;
  const slash = pod.owner.indexOf('/');
  const object = ctx.snapshot.find(pod.owner.slice(0, slash), pod.namespace, pod.owner.slice(slash + 1));
  return object ? spanLocation(ctx, object.uri, objectNameSpan(object)) : undefined;
}
