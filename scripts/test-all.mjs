// `npm test`: every stage, in order, each with its own summary, then one closing line for all of
// them. Build, type-check and lint must pass before any test runs; after that every test stage
// runs even when an earlier one failed, so one run shows everything that is broken.
//
// Stages that need what CI installs (root, iptables, chromium, neovim, code-server) are part of
// `npm test` on purpose: they fail rather than skip when their tools are missing. Set
// KPP_SKIP_KERNEL=1 / KPP_SKIP_EDITOR=1 to leave those stages out on a machine that cannot run them
// (the closing line then says what was left out).
import { spawn } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const gates = [
  ['build', [npm, 'run', 'build']],
  ['typecheck', [npm, 'run', 'typecheck']],
  ['lint', [npm, 'run', 'lint']],
];
const stages = [
  ['unit, protocol and Neovim tests', [process.execPath, 'scripts/runTests.mjs', 'test/unit', 'test/protocol', 'test/neovim']],
  ['kernel tests (network namespaces)', [process.execPath, 'scripts/runTests.mjs', 'test/kernel', '--test-concurrency=1'], 'KPP_SKIP_KERNEL'],
  // code-server is installed (once, cached in .cache/) before the first stage that needs it: an
  // install inside a test would run past that test's timeout on a cold machine.
  ['code-server install', ['bash', 'scripts/install-code-server.sh'], 'KPP_SKIP_EDITOR'],
  ['webview in Chromium', [process.execPath, 'scripts/runTests.mjs', 'test/browser', '--test-concurrency=1'], 'KPP_SKIP_EDITOR'],
  ['packaged extension in code-server', [npm, 'run', 'test:e2e'], 'KPP_SKIP_EDITOR'],
];

function run(name, argv) {
  return new Promise((resolve) => {
    const started = Date.now();
    console.log(`\n### ${name}: ${argv.slice(1).join(' ')}`);
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    });
    child.on('close', (code, signal) => {
      const count = (label) => {
        const m = [...tail.matchAll(new RegExp(`^ℹ ${label} (\\d+)$`, 'gm'))].at(-1);
        return m ? Number(m[1]) : 0;
      };
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      resolve({ name, ok: code === 0, code: code ?? signal, pass: count('pass'), fail: count('fail'), skipped: count('skipped'), seconds });
    });
  });
}

const results = [];
for (const [name, argv] of gates) {
  const r = await run(name, argv);
  results.push(r);
  if (!r.ok) {
    console.log(`\n${name} failed (${r.code}): no tests run.`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}
const leftOut = [];
for (const [name, argv, skipVar] of stages) {
  if (skipVar && process.env[skipVar] === '1') {
    leftOut.push(`${name} (${skipVar}=1)`);
    continue;
  }
  results.push(await run(name, argv));
}
console.log('\n### summary');
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.pass} passed, ${r.fail} failed${r.skipped ? `, ${r.skipped} skipped` : ''} (${r.seconds} s)${r.ok ? '' : ` exit ${r.code}`}`);
for (const l of leftOut) console.log(`left out: ${l}`);
const pass = results.reduce((a, r) => a + r.pass, 0);
const failedStages = results.filter((r) => !r.ok);
const fail = results.reduce((a, r) => a + r.fail, 0) + failedStages.filter((r) => r.fail === 0).length;
console.log(`all: ${pass} passed, ${fail} failed`);
process.exit(failedStages.length > 0 ? 1 : 0);
