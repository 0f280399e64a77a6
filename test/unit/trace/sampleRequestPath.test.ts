import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleRequestPath } from '../../../server/src/core/trace/sampleRequestPath';

function check(input: unknown, expected: string): void {
  assert.equal(sampleRequestPath(input), expected, JSON.stringify(input));
}

test('request paths for Ingress rule paths', () => {
  check('/', '/');
  check('/api', '/api');
  check('/api/v1/', '/api/v1/');
  check('/hello-world-two(/|$)(.*)', '/hello-world-two');
  check('/hello-world-one(/|$)(.*)', '/hello-world-one');
  check('/(.*)', '/');
  check('/static/.+\\.css', '/static/');
  check('/v[0-9]+/x', '/v');
  check('', '/');
  check('relative', '/');
  check(undefined, '/');
  check(42, '/');
});
