// `npm run test:package`: the package as a user gets it. Packs it (with this machine's prebuilt
// binaries), installs the tarball into a fresh project on a PATH with no compiler or make, and
// checks that require() and import() give the same API, that the TypeScript types resolve for both
// module kinds, that a CommonJS Express app is served by `isapi-node serve` and, through the
// prebuilt extension and runtime, by `isapi-node host` (strict, zero contract violations), and that
// the tarball holds no tests, benchmarks or build intermediates. Loopback only; every wait bounded.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consumerFiles, expressApp } from './consumer.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = mkdtempSync(join(tmpdir(), 'isapi-package-'));
const step = (text) => console.log(`package-test: ${text}`);

// ---- the tarball ----
execFileSync('npm', ['run', '--silent', 'prebuilds'], { cwd: root, stdio: 'inherit' });
const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }))[0];
const files = packed.files.map((f) => f.path);
const forbidden = files.filter((f) => /^(test|bench|examples|lib|build|deps|docs|node_modules)\/|\.map$|^scripts\/(?!(setup-libnode|apt-missing)\.sh$)/.test(f));
assert.deepEqual(forbidden, [], 'the tarball holds files a user does not need');
for (const needed of ['dist/index.js', 'dist/index.d.ts', 'dist/runtime/bootstrap.cjs', 'dist/worker/main.js', 'prebuilds/linux-x64/manifest.json', 'prebuilds/win32-x64/isapi_node.dll', 'prebuilds/win32-ia32/isapi_node.dll', 'binding.gyp']) {
  assert.ok(files.includes(needed), `the tarball lacks ${needed}`);
}
step(`${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked`);

// ---- a PATH without a compiler ----
const bin = join(work, 'bin');
mkdirSync(bin);
for (const tool of ['node', 'npm', 'npx', 'sh', 'bash', 'env', 'cat', 'rm', 'mkdir', 'ln', 'chmod', 'tar', 'gzip']) {
  const path = execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
  symlinkSync(path, join(bin, tool));
}
const env = { ...process.env, PATH: bin, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
delete env.ISAPI_BUILD;
for (const tool of ['g++', 'gcc', 'cc', 'make']) {
  assert.throws(() => execFileSync('bash', ['-c', `command -v ${tool}`], { env, stdio: 'ignore' }), `${tool} is still on the PATH`);
}

// ---- the consumer project ----
const project = join(work, 'project');
mkdirSync(project);
for (const [name, text] of Object.entries(consumerFiles)) {
  mkdirSync(dirname(join(project, name)), { recursive: true });
  writeFileSync(join(project, name), text);
}
writeFileSync(join(project, 'app.js'), expressApp);
const npm = (...args) => execFileSync('npm', args, { cwd: project, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
npm('install', '--prefer-offline', '--no-save', join(work, packed.filename), 'express@5', '@types/node@20');
assert.ok(!existsSync(join(project, 'node_modules/isapi-node/build')), 'installing compiled something (node_modules/isapi-node/build exists)');
step('installed without a compiler; nothing was built');

// ---- one API for require() and import() ----
const node = (args, options = {}) => execFileSync('node', args, { cwd: project, env, encoding: 'utf8', ...options });
const api = JSON.parse(node(['check-api.mjs']));
assert.deepEqual(api.requireKeys, api.importKeys);
assert.ok(api.requireKeys.includes('fromNodeListener') && api.requireKeys.includes('IsapiError'));
assert.equal(api.sameIsapiError, true, 'require() and import() give different IsapiError classes');
assert.equal(api.subpaths, true, 'isapi-node/adapters and isapi-node/validate give the same functions as the root');
step(`require('isapi-node') and import('isapi-node'): the same ${api.requireKeys.length} exports, one IsapiError`);

// ---- the types, for both module kinds ----
// The checkout's compiler; the consumer's own node_modules supply isapi-node and @types/node.
for (const dir of ['ts-cjs', 'ts-esm']) node([join(root, 'node_modules/typescript/bin/tsc'), '-p', dir]);
step('TypeScript consumers type-check as CommonJS and as ESM');

// ---- serving ----
/** Runs an isapi-node command until it prints its URL, asks for `/`, then stops it with SIGTERM. */
async function serveOnce(args, extraEnv = {}) {
  const child = spawn(join(project, 'node_modules/.bin/isapi-node'), args, { cwd: project, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 30 s:\n${output}`)), 30_000);
    const look = () => {
      const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stdout.on('data', look);
    child.on('exit', () => reject(new Error(`exited before serving:\n${output}`)));
  });
  const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(10_000) });
  const answer = { status: res.status, body: await res.text() };
  child.kill('SIGTERM');
  const end = await exited;
  return { ...answer, ...end, output };
}

const served = await serveOnce(['serve', '--app', 'app.js', '--port', '0']);
assert.equal(served.status, 200);
assert.deepEqual(JSON.parse(served.body), { served: 'by express', module: 'commonjs' });
step('isapi-node serve: the CommonJS Express app answered');

const version = node([join(project, 'node_modules/.bin/isapi-node'), '--version']);
assert.match(version, /native binaries: prebuilt, .*node_modules\/isapi-node\/prebuilds\/linux-x64/);
assert.match(version, /needs libnode\.so\.108 \(Node 18\)/);

// Without the libnode the runtime was built against, every request gets the startup page, and the
// trace says what to install or name.
const trace = join(work, 'trace.log');
const missing = await serveOnce(['host', '--app', 'app.js', '--port', '0', '--trace', trace]);
assert.equal(missing.status, 500);
assert.match(missing.body, /Startup failure: libnode_missing/);
assert.match(readFileSync(trace, 'utf8'), /install Debian's libnode108 package, or name that libnode with "libnode" in the configuration or the ISAPI_NODE_LIBNODE environment variable/);
step('isapi-node host without libnode: 500 libnode_missing, the trace names the package and ISAPI_NODE_LIBNODE');

const libnode = join(root, 'deps/libnode/usr/lib/x86_64-linux-gnu/libnode.so.108');
const stats = join(work, 'stats.json');
const hosted = await serveOnce(['host', '--app', 'app.js', '--port', '0', '--strict', '--stats-file', stats], { ISAPI_NODE_LIBNODE: libnode });
assert.equal(hosted.status, 200, hosted.output);
assert.deepEqual(JSON.parse(hosted.body), { served: 'by express', module: 'commonjs' });
assert.equal(hosted.code, 0, `isapi-host exited ${hosted.code} ${hosted.signal ?? ''}:\n${hosted.output}`);
const counts = JSON.parse(readFileSync(stats, 'utf8'));
assert.deepEqual(counts.violations, []);
step(`isapi-node host with the prebuilt binaries: the app answered, ${counts.violations.length} contract violations`);

// Out of process nothing of libnode is needed: the installed package's worker runs on this node.
const oopStats = join(work, 'oop-stats.json');
const outside = await serveOnce(['host', '--app', 'app.js', '--port', '0', '--strict', '--stats-file', oopStats, '--hosting-model', 'outofprocess']);
assert.equal(outside.status, 200, outside.output);
assert.deepEqual(JSON.parse(outside.body), { served: 'by express', module: 'commonjs' });
assert.equal(outside.code, 0, `isapi-host exited ${outside.code} ${outside.signal ?? ''}:\n${outside.output}`);
assert.deepEqual(JSON.parse(readFileSync(oopStats, 'utf8')).violations, []);
step('isapi-node host --hosting-model outofprocess, without libnode: the app answered from a worker process of this node');

// The IIS install from the installed package: its own prebuilt Windows DLL, planned as a dry run.
const planned = node([join(project, 'node_modules/.bin/isapi-node'), 'iis-install', '--app', 'app.js', '--virtualdir', '/shop', '--dry-run']);
assert.match(planned, /node_modules\/isapi-node\/prebuilds\/win32-x64\/isapi_node\.dll/);
assert.match(planned, /add apppool/);
assert.ok(!existsSync(join(project, 'web.config')), 'a dry run wrote web.config');
step('isapi-node iis-install --dry-run from the installed package: its win32-x64 DLL, the appcmd lines, nothing written');

rmSync(work, { recursive: true, force: true });
step('passed');
