// The publisher sends what changed and clears files whose diagnostics went away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from 'vscode-languageserver';
import { DiagnosticsPublisher } from '../../../server/src/host/diagnosticsPublisher';

function diag(message: string): Diagnostic {
  return { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message };
}

test('publishes new lists, skips unchanged ones, clears emptied and vanished files', () => {
  const sent: [string, string[]][] = [];
  let next = new Map<string, Diagnostic[]>();
  const publisher = new DiagnosticsPublisher({ publish: (uri, ds) => sent.push([uri, ds.map((d) => String(d.message))]) }, () => next, (e) => assert.fail(String(e)));

  next = new Map([['a', [diag('x')]], ['b', []]]);
  publisher.publishNow();
  assert.deepEqual(sent.splice(0), [['a', ['x']]]); // b never had any: nothing to clear
  assert.equal(publisher.filesWithDiagnostics, 1);

  publisher.publishNow();
  assert.deepEqual(sent.splice(0), []); // unchanged

  next = new Map([['a', []], ['b', [diag('y')]]]);
  publisher.publishNow();
  assert.deepEqual(sent.splice(0), [['a', []], ['b', ['y']]]);

  next = new Map(); // b's file was deleted
  publisher.publishNow();
  assert.deepEqual(sent.splice(0), [['b', []]]);
  assert.equal(publisher.filesWithDiagnostics, 0);
});

test('a failing computation is reported and publishes nothing', () => {
  const errors: unknown[] = [];
  const publisher = new DiagnosticsPublisher({ publish: () => assert.fail('published') }, () => { throw new Error('boom'); }, (e) => errors.push(e));
  publisher.publishNow();
  assert.equal(errors.length, 1);
});

test('schedule debounces several changes into one publish', async () => {
  let computed = 0;
  const publisher = new DiagnosticsPublisher({ publish: () => undefined }, () => { computed++; return new Map(); }, () => undefined, 20);
  publisher.schedule();
  publisher.schedule();
  publisher.schedule();
  assert.equal(publisher.pending, true);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(computed, 1);
  assert.equal(publisher.pending, false);
});
