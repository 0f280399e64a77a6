import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  initialState, layoutTrace, nextFocus, panelReducer, persistedState, restoreState, sharedPrefixLength,
  type PanelAction, type PanelState,
} from '../../../client/webview/state';
import { emptyScenarioOptions, type ScenarioOptions } from '../../../client/webview/messages';
import type { TraceScenario } from '../../../server/src/core/trace/types';
import { loadTrace } from './fixtures';

const nginx = loadTrace('nginx-loadbalancer-external');
const local = loadTrace('nginx-etp-local-drop');
const ingress = loadTrace('ingress-hello-world-two');
const options: ScenarioOptions = { nodes: [nginx.scenario.node, local.scenario.node], dumps: [], ports: ['http'], hosts: [] };
/** Where the recorded nginx branches part: the first step whose rule differs between them (the statistic fork). */
const fork = nginx.branches[0].steps.findIndex((s, i) => nginx.branches.some((b) => b.steps[i]?.rule !== s.rule));

function run(actions: readonly PanelAction[], from: PanelState = initialState): PanelState {
  return actions.reduce(panelReducer, from);
}

/** Runs the actions and compares the fields of the result named in `expected`. */
function check(name: string, actions: readonly PanelAction[], expected: Partial<Record<keyof PanelState, unknown>>, from?: PanelState): void {
  const state = run(actions, from);
  const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, state[k as keyof PanelState]]));
  assert.deepEqual(picked, expected, name);
}

const withNginx: PanelAction = { type: 'received', message: { type: 'trace', trace: nginx, options } };

test('panelReducer, data-driven', () => {
  check('starts empty', [], { status: 'empty', scenario: undefined, trace: undefined, collapsed: [], focus: undefined });
  check('a trace arrives: ready, its scenario, focus on the first hop, announced',
    [withNginx],
    { status: 'ready', scenario: nginx.scenario, trace: nginx, options, error: undefined, focus: 's0', announcement: `${nginx.title}: 3 paths: ${nginx.branches.map((b) => `${b.endpoint?.pod} (33.3%)`).join(', ')}.` });
  check('loading keeps the old trace on screen',
    [withNginx, { type: 'received', message: { type: 'loading', scenario: local.scenario } }],
    { status: 'loading', scenario: local.scenario, trace: nginx, announcement: 'Tracing…' });
  check('an error is shown and announced',
    [withNginx, { type: 'received', message: { type: 'error', scenario: nginx.scenario, message: 'no rules for node x' } }],
    { status: 'error', error: 'no rules for node x', announcement: 'Trace failed: no rules for node x' });
  check('a drop is announced as such',
    [{ type: 'received', message: { type: 'trace', trace: local, options } }],
    { status: 'ready', focus: 'b0', announcement: `${local.title}: 1 path: dropped (100.0%).` });
  check('editing the scenario patches it and goes loading',
    [withNginx, { type: 'editScenario', patch: { externalTrafficPolicy: 'Local', node: local.scenario.node } }],
    { status: 'loading', scenario: { ...nginx.scenario, externalTrafficPolicy: 'Local', node: local.scenario.node } });
  check('setting a field to undefined removes it ("as declared")',
    [withNginx, { type: 'editScenario', patch: { externalTrafficPolicy: 'Local' } }, { type: 'editScenario', patch: { externalTrafficPolicy: undefined } }],
    { scenario: nginx.scenario });
  check('an edit that changes nothing keeps the state',
    [withNginx, { type: 'editScenario', patch: { node: nginx.scenario.node } }],
    { status: 'ready', scenario: nginx.scenario });
  check('an edit without a scenario does nothing', [{ type: 'editScenario', patch: { node: 'n' } }], { status: 'empty', scenario: undefined });
  check('collapsing a branch moves focus from its hop to the branch',
    [withNginx, { type: 'focus', key: 'b1.9' }, { type: 'toggleBranch', index: 1 }],
    { collapsed: [1], focus: 'b1' });
  check('toggle twice expands again', [withNginx, { type: 'toggleBranch', index: 2 }, { type: 'toggleBranch', index: 2 }], { collapsed: [] });
  check('expanded: true on an expanded branch changes nothing', [withNginx, { type: 'toggleBranch', index: 0, expanded: true }], { collapsed: [] });
  check('a new trace of the same target keeps folds and focus',
    [withNginx, { type: 'toggleBranch', index: 2 }, { type: 'focus', key: 'b0.10' }, withNginx],
    { collapsed: [2], focus: 'b0.10' });
  check('a trace of another target resets folds; focus falls back to the first row',
    [withNginx, { type: 'toggleBranch', index: 2 }, { type: 'focus', key: 'b2' }, { type: 'received', message: { type: 'trace', trace: ingress, options: emptyScenarioOptions } }],
    { collapsed: [], focus: 'b0' });
  const failed = { ...nginx, branches: [], errors: ['no Service default/nginxx in the workspace'] };
  check('a trace with only errors is announced with its first error',
    [{ type: 'received', message: { type: 'trace', trace: failed, options } }],
    { status: 'ready', focus: undefined, announcement: `${nginx.title}: no trace. no Service default/nginxx in the workspace` });
  check('a notice only changes the announcement', [withNginx, { type: 'received', message: { type: 'notice', message: 'Trace copied as Markdown.' } }], { status: 'ready', announcement: 'Trace copied as Markdown.' });
});

test('persisted state survives a reload; damaged saved state is dropped', () => {
  const state = run([withNginx, { type: 'toggleBranch', index: 1 }, { type: 'focus', key: 'b0.12' }]);
  const saved = JSON.parse(JSON.stringify(persistedState(state)));
  check('restore', [{ type: 'restore', saved }], { status: 'ready', scenario: nginx.scenario, trace: nginx, options, collapsed: [1], focus: 'b0.12', announcement: '' });
  for (const bad of [undefined, null, 'x', { v: 2, trace: nginx }, { v: 1, trace: { title: 1 } }, { v: 1, scenario: { target: 'x' } }]) {
    const restored = restoreState(bad);
    assert.equal(restored.trace, undefined, JSON.stringify(bad));
    assert.equal(restored.scenario, undefined, JSON.stringify(bad));
  }
  assert.deepEqual(restoreState({ v: 1, collapsed: [1, -1, 'x', 2.5], focus: 3 }).collapsed, [1]);
});

test('the shared prefix ends where the statistic rules fork', () => {
  // nginx: client … KUBE-EXT → KUBE-SVC; the next step differs per branch (its own statistic rule in KUBE-SVC).
  assert.ok(fork > 3, `the branches share the hops before the fork (${fork})`);
  assert.equal(sharedPrefixLength(nginx.branches), fork);
  assert.equal(nginx.branches[0].steps[fork].chain, 'KUBE-SVC-P4Q3KNUAWJVP4ILH');
  assert.match(nginx.branches[0].steps[fork].rule ?? '', /-m statistic --mode random --probability /);
  assert.equal(sharedPrefixLength(local.branches), 0, 'one branch: nothing shared');
  assert.equal(sharedPrefixLength([]), 0);
});

test('layoutTrace orders rows for the keyboard; nextFocus walks them', () => {
  const rows = layoutTrace(nginx, [1]);
  const keys = rows.map((r) => r.key);
  const b0 = nginx.branches[0];
  const sharedKeys = Array.from({ length: fork }, (_, i) => `s${i}`);
  assert.deepEqual(keys.slice(0, fork + 1), [...sharedKeys, 'b0']);
  assert.equal(keys.length, fork + 1 + (b0.steps.length - fork) + b0.reply.length + 1 + 1 + (nginx.branches[2].steps.length - fork) + nginx.branches[2].reply.length);
  assert.ok(keys.includes('b1') && !keys.some((k) => k.startsWith('b1.')), 'a collapsed branch shows only its head');
  assert.ok(keys.includes('b0.r0'));
  const cases: [string | undefined, 'ArrowDown' | 'ArrowUp' | 'Home' | 'End', string][] = [
    [undefined, 'ArrowDown', 's0'], ['s0', 'ArrowUp', 's0'], ['s0', 'ArrowDown', 's1'], [`s${fork - 1}`, 'ArrowDown', 'b0'],
    ['b0', 'ArrowDown', `b0.${fork}`], ['s3', 'Home', 's0'], ['s3', 'End', keys[keys.length - 1]], [keys[keys.length - 1], 'ArrowDown', keys[keys.length - 1]],
    ['gone', 'ArrowDown', 's0'],
  ];
  for (const [from, key, to] of cases) assert.equal(nextFocus(keys, from, key), to, `${from} ${key}`);
  assert.equal(nextFocus([], 's0', 'ArrowDown'), undefined);
});

test('editing keeps exactly the documented scenario fields', () => {
  const s = run([withNginx, { type: 'editScenario', patch: { rules: { dumpUri: 'file:///w/n0.iptables' }, returningClient: true } }]).scenario as TraceScenario;
  assert.deepEqual(Object.keys(nginx.scenario).sort(), ['node', 'rules', 'source', 'target', 'via'], 'the recorded scenario');
  assert.deepEqual(Object.keys(s).sort(), ['node', 'returningClient', 'rules', 'source', 'target', 'via']);
  assert.deepEqual(s.rules, { dumpUri: 'file:///w/n0.iptables' });
});
