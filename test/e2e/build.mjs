// Builds the editor integration suite into out/e2e/:
//   out/e2e/driver/            the test-driver extension (package.json, extension.js) for code-server
//   out/e2e/driver/suite/      index.js (mocha bundled in) and one *.e2e.js per suite file
//   out/e2e/kpp-e2e-driver.vsix  the driver packaged, so code-server installs it like ours
//   out/e2e/runElectron.js     the @vscode/test-electron launcher (npm run test:electron)
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, '../../out/e2e');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'driver', 'suite'), { recursive: true });

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: 'inline', logLevel: 'error', external: ['vscode'] };
const suiteFiles = readdirSync(join(here, 'suite')).filter((n) => n.endsWith('.e2e.ts')).sort();
await Promise.all([
  esbuild.build({ ...common, entryPoints: [join(here, 'driver', 'extension.ts')], outfile: join(out, 'driver', 'extension.js') }),
  esbuild.build({ ...common, entryPoints: [join(here, 'suite', 'index.ts')], outfile: join(out, 'driver', 'suite', 'index.js') }),
  ...suiteFiles.map((name) => esbuild.build({
    ...common, entryPoints: [join(here, 'suite', name)], outfile: join(out, 'driver', 'suite', name.replace(/\.ts$/, '.js')),
  })),
  esbuild.build({ ...common, entryPoints: [join(here, 'electron', 'runElectron.ts')], outfile: join(out, 'runElectron.js'), external: ['vscode', '@vscode/test-electron'] }),
]);
copyFileSync(join(here, 'driver', 'package.json'), join(out, 'driver', 'package.json'));
const vsce = spawnSync(resolve(here, '../../node_modules/.bin/vsce'),
  ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', join(out, 'kpp-e2e-driver.vsix')],
  { cwd: join(out, 'driver'), encoding: 'utf8' });
if (vsce.status !== 0) {
  console.error(vsce.stdout, vsce.stderr);
  process.exit(1);
}
console.log(`built ${suiteFiles.length} suite file(s) into ${out}`);
