import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkspaceIndex } from '../../../server/src/core/workspace/workspaceIndex';
import { formatPodSummary, formatReplicas, summarizePods } from '../../../server/src/core/queries';

function workload(kind: string, name: string, extra = ''): string {
  return `apiVersion: apps/v1\nkind: ${kind}\nmetadata: {name: ${name}}\nspec:\n${extra}  template:\n    metadata: {labels: {app: web}}\n`;
}

function check(files: string[], expectedLens: string, expectedReplicas: string[]): void {
  const index = new WorkspaceIndex();
  files.forEach((text, i) => index.setFile(`mem:///${i}.yaml`, text, 1));
  const templates = index.snapshot().podTemplates();
  assert.equal(formatPodSummary(summarizePods(templates)), expectedLens);
  assert.deepEqual(templates.map(formatReplicas), expectedReplicas);
}

test('pod summary: no workloads', () => check([], 'no pods match', []));
test('pod summary: one Deployment with 3 replicas', () => check([workload('Deployment', 'a', '  replicas: 3\n')], '3 pods in 1 workload', ['3 replicas']));
test('pod summary: replicas default to 1; a Pod is 1', () =>
  check([workload('Deployment', 'a'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: web}}\n'], '2 pods in 2 workloads', ['1 replica', '1 replica']));
test('pod summary: a DaemonSet makes the count open-ended', () =>
  check([workload('StatefulSet', 's', '  replicas: 2\n'), workload('DaemonSet', 'd')], '2+ pods in 2 workloads', ['2 replicas', 'one pod per node']));
test('pod summary: zero replicas', () => check([workload('Deployment', 'a', '  replicas: 0\n')], '0 pods in 1 workload', ['0 replicas']));
