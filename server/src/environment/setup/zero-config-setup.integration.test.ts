import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMeta } from '@tandem/shared/doc/accessors.js';
import { decideAddress } from '../../network/address-policy.js';
import { createSystemResolver, createTestResolver } from '../../network/host-resolver.js';
import { probeNpmRegistry } from '../../../test-support/npm-registry.js';
import { serverForFile } from '../../../test-support/server-per-file.js';
import { connectPeer, waitFor, waitForSync } from '../../../test-support/test-server.js';
import { SETUP_LOG_FILE, TOOLCHAINS_FILE, type ToolchainRecord } from './run-setup-plan.js';

/**
 * The "done when" for setup without a setup file: fixture repos with no `.tandem/` folder, for
 * npm (with a lockfile), pnpm and yarn (through corepack, at the version `packageManager` names) from
 * the real npm registry, and pip from a package index this test serves (a PEP 503 simple index with
 * one wheel built here: this machine reaches no Python index). Each new session has its dependencies;
 * the snapshot's setup.log says what ran and toolchains.json which versions.
 */

const execFileAsync = promisify(execFile);
const registry = await probeNpmRegistry();
if (!registry.reachable) console.warn(`zero-config setup (npm, pnpm, yarn) skipped: ${registry.reason}. Those fixtures need the real npm registry.`);
else if (registry.note) console.warn(`zero-config setup: ${registry.note}.`);

/** A build on a busy 2-core machine: corepack fetching pnpm, then the install. */
const READY_TIMEOUT_MS = 150_000;
const SEMVER = '7.6.3';
const PYTHON_INDEX_HOST = 'pypi.test';
const YARN_REGISTRY_HOST = 'registry.yarnpkg.com';

const repoRoot = mkdtempSync(path.join(os.tmpdir(), 'tandem-zero-config-'));
chmodSync(repoRoot, 0o755);
afterAll(() => rm(repoRoot, { recursive: true, force: true }));

function fixture(name: string, files: Record<string, string>): string {
  const dir = path.join(repoRoot, name);
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    writeFileSync(path.join(dir, relative), content);
  }
  return dir;
}

const packageJson = (extra: object) => `${JSON.stringify({ name: 'fixture', version: '1.0.0', private: true, dependencies: { semver: SEMVER }, ...extra }, null, 2)}\n`;
const NPM_REPO = fixture('npm-app', { 'package.json': packageJson({}) });
/**
 * `packageManager` with its hash, as `corepack use` writes it: corepack then checks the download against
 * the hash. (Without one it checks the registry's signatures, which this machine's intercepting egress
 * strips from the metadata: "No compatible signature found in package metadata".)
 */
const PNPM = 'pnpm@9.12.0+sha512.4abf725084d7bcbafbd728bfc7bee61f2f791f977fd87542b3579dcb23504d170d46337945e4c66485cd12d588a0c0e570ed9c477e7ccdd8507cf05f3f92eaca';
const YARN = 'yarn@1.22.22+sha512.a6b2f7906b721bba3d67d4aff083df04dad64c399707841b7acf00f6b133b7ac24255f2652fa22ae3534329dc6180534e98d17432037ff6fd140556e2bb3137e';
const PNPM_REPO = fixture('pnpm-app', { 'package.json': packageJson({ packageManager: PNPM }) });
const YARN_REPO = fixture('yarn-app', { 'package.json': packageJson({ packageManager: YARN }) });
// How a team points pip at its own index: in requirements.txt itself.
const PIP_REQUIREMENTS = `--index-url http://${PYTHON_INDEX_HOST}/simple/\n--trusted-host ${PYTHON_INDEX_HOST}\ntinypkg==0.1.0\n`;
const PIP_REPO = fixture('pip-app', {
  'requirements.txt': PIP_REQUIREMENTS,
  'main.py': 'import tinypkg\nprint(tinypkg.VALUE)\n',
});

const OWN_SETUP_REPO = fixture('own-setup-app', {
  // The team's own setup file replaces detection, and calls it.
  'requirements.txt': PIP_REQUIREMENTS,
  '.tandem/setup.sh': 'set -e\nbash "$TANDEM_DETECTED_SETUP"\n.venv/bin/python -c "import tinypkg; print(tinypkg.VALUE)" > value.txt\n',
});

const COPILOT_REPO = fixture('copilot-app', {
  // The team's Copilot setup is followed instead of detection (the package.json would otherwise mean npm).
  'package.json': packageJson({}),
  '.github/workflows/copilot-setup-steps.yml': [
    'on: workflow_dispatch',
    'jobs:',
    '  copilot-setup-steps:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/checkout@v5',
    '      - name: Prepare',
    '        run: echo "prepared by $WHO as $(id -un)" > prepared.txt',
    '        env: { WHO: copilot-setup-steps }',
    '',
  ].join('\n'),
});
const GO_REPO = fixture('go-app', { 'go.mod': 'module example.com/app\n\ngo 1.22\n' });

/** A pure-Python wheel with one module, built with the host's python3 (the format is a zip with dist-info). */
async function buildWheel(dir: string): Promise<string> {
  const script = `
import base64, hashlib, sys, zipfile
files = {
  'tinypkg/__init__.py': b'VALUE = 42\\n',
  'tinypkg-0.1.0.dist-info/METADATA': b'Metadata-Version: 2.1\\nName: tinypkg\\nVersion: 0.1.0\\n',
  'tinypkg-0.1.0.dist-info/WHEEL': b'Wheel-Version: 1.0\\nGenerator: tandem-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
}
record = ''.join(f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\\n" for name, data in files.items())
record += 'tinypkg-0.1.0.dist-info/RECORD,,\\n'
with zipfile.ZipFile(sys.argv[1], 'w') as wheel:
  for name, data in files.items(): wheel.writestr(name, data)
  wheel.writestr('tinypkg-0.1.0.dist-info/RECORD', record)
`;
  const file = path.join(dir, 'tinypkg-0.1.0-py3-none-any.whl');
  await execFileAsync('python3', ['-c', script, file]);
  return file;
}

/** A PEP 503 simple index serving one wheel, on loopback; the sandbox reaches it as pypi.test through the test resolver. */
const indexDir = mkdtempSync(path.join(os.tmpdir(), 'tandem-index-'));
const wheel = readFileSync(await buildWheel(indexDir));
const wheelName = 'tinypkg-0.1.0-py3-none-any.whl';
const indexRequests: string[] = [];
const index = createServer((request, response) => {
  indexRequests.push(request.url ?? '');
  const url = new URL(request.url ?? '/', 'http://index');
  if (url.pathname === '/simple/') response.writeHead(200, { 'content-type': 'text/html' }).end('<a href="/simple/tinypkg/">tinypkg</a>');
  else if (url.pathname === '/simple/tinypkg/') {
    const sha256 = createHash('sha256').update(wheel).digest('hex');
    response.writeHead(200, { 'content-type': 'text/html' }).end(`<a href="/files/${wheelName}#sha256=${sha256}">${wheelName}</a>`);
  } else if (url.pathname === `/files/${wheelName}`) response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(wheel);
  else response.writeHead(404).end();
});
await new Promise<void>((resolve) => index.listen(0, '127.0.0.1', resolve));
const indexPort = (index.address() as { port: number }).port;
afterAll(async () => {
  index.close();
  await rm(indexDir, { recursive: true, force: true });
});

const pinned = new Map([[PYTHON_INDEX_HOST, { address: '127.0.0.1', port: indexPort }]]);
// yarn 1 fetches from registry.yarnpkg.com (a default setup host too): pinned like registry.npmjs.org where the proxy would refuse its address.
if (registry.reachable) {
  const { address } = await lookup(YARN_REGISTRY_HOST);
  if (!decideAddress(address).allowed) pinned.set(YARN_REGISTRY_HOST, { address, port: 443 });
}
const resolver = createTestResolver(pinned, registry.reachable ? registry.resolver : createSystemResolver());

const shared = serverForFile('zero-config', { sandboxes: true, networkResolver: resolver }, (config) => ({
  ...config,
  // The registries the repo's files show (the defaults), and the test's Python index.
  sandbox: { ...config.sandbox, warmPoolSize: 0, repoRoots: [...config.sandbox.repoRoots, repoRoot], setupHosts: ['auto', PYTHON_INDEX_HOST] },
}));

beforeAll(async () => {
  // The npm fixture's lockfile, made as a team would (on the host, which reaches the registry).
  if (registry.reachable) {
    await execFileAsync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', path.join(repoRoot, '.npm-cache')], { cwd: NPM_REPO, timeout: 60_000 });
    await rm(path.join(repoRoot, '.npm-cache'), { recursive: true, force: true });
  }
});

/** A new session on the repo, ready; what its start showed, the snapshot's record and log, and how long the start took. */
async function readySession(repo: string, title: string) {
  // Each fixture's own owner: one person may run only a few sandboxes at once.
  const ownerToken = (await shared.api.identity(`Owner of ${title}`)).token;
  const startedMs = Date.now();
  const sessionId = await shared.api.createSession(ownerToken, title, repo);
  const tab = connectPeer(shared.server.url, sessionId, ownerToken);
  shared.peers.push(tab);
  await waitForSync(tab);
  const messages: string[] = [];
  const note = () => {
    const message = readMeta(tab.doc).sandboxMessage;
    if (message && messages.at(-1) !== message) messages.push(message);
  };
  tab.doc.getMap('meta').observe(note);
  note();
  await waitFor(() => ['ready', 'failed'].includes(readMeta(tab.doc).sandboxState ?? ''), `${title} to start`, READY_TIMEOUT_MS);
  const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  const snapshotsDir = path.join(shared.server.sandboxDir!, 'snapshots');
  const snapshot = readdirSync(snapshotsDir)
    .map((id) => path.join(snapshotsDir, id))
    .find((dir) => readFileSync(path.join(dir, 'stamp.json'), 'utf8').includes(JSON.stringify(repo)));
  const log = snapshot ? readFileSync(path.join(snapshot, SETUP_LOG_FILE), 'utf8') : '(no snapshot)';
  expect(readMeta(tab.doc).sandboxState, `${readMeta(tab.doc).sandboxMessage}\n${log}`).toBe('ready');
  // Written when Tandem planned the setup (not when the repo's own setup.sh ran).
  const record = existsSync(path.join(snapshot!, TOOLCHAINS_FILE)) ? (JSON.parse(readFileSync(path.join(snapshot!, TOOLCHAINS_FILE), 'utf8')) as ToolchainRecord) : null;
  console.info(`zero-config ${title}: session ready in ${seconds} s (snapshot build included); toolchains ${JSON.stringify(record?.toolchains)}`);
  const live = await shared.server.runtime!.ensureStarted(sessionId);
  const run = (command: string) => live.sandbox.exec(command, { timeoutMs: 30_000 });
  return { messages, record, log, run };
}

describe.skipIf(!registry.reachable)('JavaScript repos without a setup file, from the real npm registry', () => {
  it('npm: npm ci from the lockfile at setup; the session has node_modules/.bin/semver', async () => {
    const { messages, record, log, run } = await readySession(NPM_REPO, 'npm');
    expect(messages).toContain('Installing with npm (package-lock.json)');
    expect(log).toContain('$ npm ci');
    expect(record).toMatchObject({ source: 'detected', steps: [{ label: 'Installing with npm (package-lock.json)', outcome: 'ran' }], toolchains: { node: process.version } });
    expect(record!.toolchains.npm).toMatch(/^\d+\.\d+\.\d+$/);
    const semver = await run(`node_modules/.bin/semver ${SEMVER}`);
    expect(semver, semver.stderr).toMatchObject({ exitCode: 0, stdout: `${SEMVER}\n` });
    // The installs' caches stayed in the setup sandbox's /tmp: the workspace holds the repo and node_modules.
    expect((await run('ls -A')).stdout).toBe('node_modules\npackage-lock.json\npackage.json\n');
  }, READY_TIMEOUT_MS + 30_000);

  it('pnpm through corepack at the version packageManager names; the session has node_modules/.bin/semver', async () => {
    const { messages, record, run } = await readySession(PNPM_REPO, 'pnpm');
    expect(messages).toContain('Installing with pnpm 9.12.0 (packageManager)');
    expect(record!.steps).toEqual([{ label: 'Installing with pnpm 9.12.0 (packageManager)', outcome: 'ran' }]);
    expect(record!.toolchains.pnpm).toBe('9.12.0');
    // Installed with pnpm's layout, and no lockfile written into the workspace (it would be the session's change).
    const semver = await run(`node_modules/.bin/semver ${SEMVER} && test -d node_modules/.pnpm && test ! -e pnpm-lock.yaml`);
    expect(semver, semver.stderr).toMatchObject({ exitCode: 0, stdout: `${SEMVER}\n` });
    expect((await run('ls -A')).stdout).toBe('node_modules\npackage.json\n');
    // pnpm itself is on the session's PATH, at that version, without the network (from the snapshot's toolchain folder).
    const pnpm = await run('pnpm --version && pnpm exec semver 1.2.3');
    expect(pnpm, pnpm.stderr).toMatchObject({ exitCode: 0, stdout: '9.12.0\n1.2.3\n' });
  }, READY_TIMEOUT_MS + 30_000);

  it('yarn through corepack at the version packageManager names; the session has node_modules/.bin/semver', async () => {
    const { messages, record, run } = await readySession(YARN_REPO, 'yarn');
    expect(messages).toContain('Installing with yarn 1.22.22 (packageManager)');
    expect(record!.toolchains.yarn).toBe('1.22.22');
    const semver = await run(`node_modules/.bin/semver ${SEMVER} && test ! -e yarn.lock`);
    expect(semver, semver.stderr).toMatchObject({ exitCode: 0, stdout: `${SEMVER}\n` });
    expect((await run('ls -A')).stdout).toBe('node_modules\npackage.json\n');
    const yarn = await run('yarn --version');
    expect(yarn, yarn.stderr).toMatchObject({ exitCode: 0, stdout: '1.22.22\n' });
  }, READY_TIMEOUT_MS + 30_000);
});

describe('a Python repo without a setup file', () => {
  it('pip installs requirements.txt from the team’s index into .venv at setup; the session imports the package', async () => {
    const { messages, record, run } = await readySession(PIP_REPO, 'pip');
    expect(messages).toContain('Installing with pip into .venv (requirements.txt)');
    expect(record).toMatchObject({ source: 'detected', steps: [{ outcome: 'ran' }] });
    expect(record!.toolchains.venv).toMatch(/^Python 3\./);
    expect(indexRequests).toContain(`/files/${wheelName}`);
    const imported = await run('.venv/bin/python -c "import tinypkg; print(tinypkg.VALUE)" && .venv/bin/python main.py');
    expect(imported, imported.stderr).toMatchObject({ exitCode: 0, stdout: '42\n42\n' });
    expect((await run('ls -A')).stdout).toBe('.venv\nmain.py\nrequirements.txt\n');
  }, READY_TIMEOUT_MS + 30_000);

  it('a repo’s own setup.sh replaces detection and can call it: bash "$TANDEM_DETECTED_SETUP" ran the pip install', async () => {
    const { messages, log, run } = await readySession(OWN_SETUP_REPO, 'own setup');
    expect(messages).toContain('Running .tandem/setup.sh');
    expect(log).toContain('== Installing with pip into .venv (requirements.txt)');
    const value = await run('cat value.txt && .venv/bin/python -c "import tinypkg"');
    expect(value, value.stderr).toMatchObject({ exitCode: 0, stdout: '42\n' });
  }, READY_TIMEOUT_MS + 30_000);
});

describe('without the network', () => {
  it('follows the team’s copilot-setup-steps.yml instead of detecting: its run: steps ran in the setup sandbox, uses: skipped, the progress named the file', async () => {
    const { messages, record, log, run } = await readySession(COPILOT_REPO, 'copilot');
    expect(messages).toContain('Following .github/workflows/copilot-setup-steps.yml');
    expect(record!.source).toBe('.github/workflows/copilot-setup-steps.yml');
    expect(record!.steps.map((step) => step.outcome)).toEqual(['skipped', 'ran']);
    expect(log).not.toContain('npm ci');
    // Run inside the sandbox, as its user, never on the host.
    expect(await run('cat prepared.txt')).toMatchObject({ exitCode: 0, stdout: 'prepared by copilot-setup-steps as tandem\n' });
  }, READY_TIMEOUT_MS + 30_000);

  it('a Go module on a server without go: the session starts, and the build says what is missing and how to provide it', async () => {
    const { messages, record, log } = await readySession(GO_REPO, 'go');
    const missing = 'go is not installed on this server: see https://go.dev/doc/install';
    expect(messages.some((message) => message.startsWith(missing))).toBe(true);
    expect(record!.steps).toEqual([{ label: 'Downloading Go modules (go.mod)', outcome: 'missing-tool', detail: expect.stringContaining(missing) }]);
    expect(log).toContain(missing);
  }, READY_TIMEOUT_MS + 30_000);
});
