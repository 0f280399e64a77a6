// The dump settings: defaults for clients that send nothing, nested and dotted keys, bad values fall back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultDumpSettings, parseDumpSettings } from '../../../server/src/features/dumpDocuments';

test('parseDumpSettings', () => {
  assert.deepEqual(parseDumpSettings(undefined), defaultDumpSettings);
  assert.deepEqual(parseDumpSettings({ conntrack: { max: 262144, tcpTimeoutEstablished: 3600 }, dump: { node: ' node-b ' } }), { conntrackMax: 262144, tcpTimeoutEstablished: 3600, node: 'node-b' });
  assert.deepEqual(parseDumpSettings({ 'conntrack.max': 1000, 'dump.node': 'x' }), { conntrackMax: 1000, tcpTimeoutEstablished: 86400, node: 'x' });
  assert.deepEqual(parseDumpSettings({ conntrack: { max: -1, tcpTimeoutEstablished: 1.5 }, dump: { node: '' } }), defaultDumpSettings);
  assert.deepEqual(parseDumpSettings({ conntrack: { max: '131072' } }), defaultDumpSettings);
});
