// A workspace of many manifests stays responsive: the first scan, an edit's round trip to the
// diagnostics of another file, and a hover all answer within generous bounds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTempWorkspace, ensureServerBuilt, LspTestClient, positionOf, type TempWorkspace } from './lspClient';
import { deploymentYaml, SERVICE_YAML } from './fixtures';

const TEAMS = 40;
const APPS_PER_TEAM = 15; // 600 Services + 600 Deployments in 1200 files

let ws: TempWorkspace;
let client: LspTestClient;
let readyMs = 0;

function service(team: number, app: number): string {
  return SERVICE_YAML.replace('name: web', `name: app-${app}\n  namespace: team-${team}`).replace('app: web', `app: app-${app}`);
}
function deployment(team: number, app: number, label = `app-${app}`): string {
  return deploymentYaml(label, 2).replace('name: web\n', `name: app-${app}\n  namespace: team-${team}\n`);
}

before(async () => {
  ensureServerBuilt();
  const files: Record<string, string> = {};
  for (let t = 0; t < TEAMS; t++) {
    for (let a = 0; a < APPS_PER_TEAM; a++) {
      files[`team-${t}/app-${a}/service.yaml`] = service(t, a);
      files[`team-${t}/app-${a}/deployment.yaml`] = deployment(t, a);
    }
  }
  ws = createTempWorkspace(files);
  const started = Date.now();
  client = await LspTestClient.start({ workspaceFolders: [ws.uri] });
  const status = await client.waitForReady(60000);
  readyMs = Date.now() - started;
  assert.equal(status.files, TEAMS * APPS_PER_TEAM * 2);
});

after(async () => {
  await client?.stop();
  ws?.dispose();
});

test(`${TEAMS * APPS_PER_TEAM * 2} files are read and analysed within 20 s, with nothing to report`, () => {
  assert.ok(readyMs < 20000, `ready after ${readyMs} ms`);
  assert.equal([...client.diagnostics.values()].filter((d) => d.length > 0).length, 0);
});

test('breaking one Deployment flags its Service in another file within 5 s, and fixing it clears it', async () => {
  const deployUri = ws.fileUri('team-7/app-3/deployment.yaml');
  const serviceUri = ws.fileUri('team-7/app-3/service.yaml');
  await client.open(deployUri, deployment(7, 3));
  let t0 = Date.now();
  await client.change(deployUri, deployment(7, 3, 'app-3-typo'));
  await client.waitForDiagnostics(serviceUri, (d) => d.some((x) => x.code === 'service-selector-matches-no-pods'), 5000);
  const flagMs = Date.now() - t0;
  t0 = Date.now();
  await client.change(deployUri, deployment(7, 3));
  await client.waitForDiagnostics(serviceUri, (d) => d.length === 0, 5000);
  assert.ok(flagMs < 5000 && Date.now() - t0 < 5000);
  // Only that Service was affected.
  assert.equal([...client.diagnostics.values()].filter((d) => d.length > 0).length, 0);
});

test('a hover in the big workspace answers within 2 s', async () => {
  const t0 = Date.now();
  const hover = await client.request<{ contents: { value: string } } | null>('textDocument/hover', {
    textDocument: { uri: ws.fileUri('team-39/app-14/service.yaml') },
    position: positionOf(service(39, 14), 'app: app-14', 1),
  });
  assert.ok(Date.now() - t0 < 2000);
  assert.match(hover?.contents.value ?? '', /2 pods in 1 workload/);
});
