import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatSelector, matchesSelector, matchesServiceSelector, readLabelSelector, type LabelSelector, type Labels,
} from '../../../server/src/core/labels/matchesSelector';

const pod: Labels = { app: 'web', tier: 'frontend', env: 'prod' };

function check(selectorJson: unknown, labels: Labels, expected: boolean): void {
  const read = readLabelSelector(selectorJson as never);
  assert.ok(read, 'not a selector');
  assert.equal(matchesSelector(read.selector, labels), expected, `${formatSelector(read.selector)} vs ${JSON.stringify(labels)}`);
}

test('matchLabels: every pair must be present with the same value', () => {
  check({ matchLabels: { app: 'web' } }, pod, true);
  check({ matchLabels: { app: 'web', tier: 'frontend' } }, pod, true);
  check({ matchLabels: { app: 'api' } }, pod, false);
  check({ matchLabels: { missing: 'x' } }, pod, false);
  check({}, pod, true); // the empty selector selects everything
  check({ matchLabels: {} }, {}, true);
});

test('matchExpressions: In, NotIn, Exists, DoesNotExist', () => {
  check({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'backend'] }] }, pod, true);
  check({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] }, pod, false);
  check({ matchExpressions: [{ key: 'nope', operator: 'In', values: ['x'] }] }, pod, false);
  check({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, pod, true);
  check({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, pod, false);
  check({ matchExpressions: [{ key: 'nope', operator: 'NotIn', values: ['x'] }] }, pod, true); // absent key satisfies NotIn
  check({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, pod, true);
  check({ matchExpressions: [{ key: 'nope', operator: 'Exists' }] }, pod, false);
  check({ matchExpressions: [{ key: 'nope', operator: 'DoesNotExist' }] }, pod, true);
  check({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, pod, false);
  check({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }, pod, false);
});

test('malformed requirements are reported, not thrown', () => {
  const read = readLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Near' }, 'x', { operator: 'In' }] } as never);
  assert.equal(read?.problems.length, 3);
  assert.deepEqual(read?.selector.matchExpressions, []);
  assert.equal(readLabelSelector('app=web' as never), undefined);
  assert.equal(readLabelSelector(null), undefined);
});

test('Service selectors: a plain map, and an empty or missing one selects nothing', () => {
  assert.equal(matchesServiceSelector({ app: 'web' }, pod), true);
  assert.equal(matchesServiceSelector({ app: 'web', tier: 'backend' }, pod), false);
  assert.equal(matchesServiceSelector({}, pod), false);
  assert.equal(matchesServiceSelector(undefined, pod), false);
  assert.equal(matchesServiceSelector({ toString: 'x' }, {}), false); // no prototype lookups
});

test('formatSelector prints the kubectl way', () => {
  const s: LabelSelector = {
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['a', 'b'] },
      { key: 'env', operator: 'NotIn', values: ['dev'] },
      { key: 'x', operator: 'Exists', values: [] },
      { key: 'y', operator: 'DoesNotExist', values: [] },
    ],
  };
  assert.equal(formatSelector(s), 'app=web, tier in (a,b), env notin (dev), x, !y');
});
