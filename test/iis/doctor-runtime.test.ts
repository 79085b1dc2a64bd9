// `isapi-node doctor`, what runs the app: the app loads, Node (out of process), the package's
// JavaScript, the in-process runtime and libnode. One test per check and outcome, each asserting
// the exact line and that the fix is named.
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkApp } from '../../lib/iis/doctor/app.js';
import { checkBootstrap, checkLibnode, checkRuntime } from '../../lib/iis/doctor/inprocess.js';
import { checkNode, checkWorker } from '../../lib/iis/doctor/outofprocess.js';
import { projectRoot } from '../support/build.js';
import { app, folder, fx, prepare } from './fixtures/doctor/support.js';
import { peHead } from './fixtures/libnode/pe.js';

describe('check "app": the app module exists and loads', () => {
  it('passes an app whose default export is an app function', async () => {
    const { ctx } = prepare({ app });
    expect(await checkApp(ctx)).toEqual({ check: 'app', status: 'ok', line: `${app} loads; the default export is an app function` });
  });

  it('passes a CommonJS app with "export" naming its export', async () => {
    const { ctx } = prepare({ app: fx('named.app.mjs'), export: 'handler' });
    expect((await checkApp(ctx)).line).toBe(`${fx('named.app.mjs')} loads; export "handler" is an app function`);
  });

  it('fails app_not_found, relative to the configuration', async () => {
    const { dir, file, ctx } = prepare({ app: 'dist/app.js' });
    expect(await checkApp(ctx)).toEqual({
      check: 'app',
      status: 'fail',
      line: `app_not_found: the app module ${join(dir, 'dist', 'app.js')} does not exist`,
      fix: `correct "app" in ${file} (a relative path is relative to its folder); compile TypeScript to JavaScript first`,
    });
  });

  it('fails app_failed with the first line of what loading threw', async () => {
    const { ctx } = prepare({ app: fx('throws.app.mjs') });
    expect(await checkApp(ctx)).toEqual({
      check: 'app',
      status: 'fail',
      line: `app_failed: loading the app module ${fx('throws.app.mjs')} threw: Error: DATABASE_URL is not set`,
      fix: `run "node ${fx('throws.app.mjs')}" to see the whole error; the module must load without IIS`,
    });
  });

  it('fails a missing export, saying to set "export"', async () => {
    const { file, ctx } = prepare({ app: fx('named.app.mjs') });
    const r = await checkApp(ctx);
    expect(r.line).toBe(`app_failed: the app module ${fx('named.app.mjs')} has no export "default" (it exports: handler); set "export" in the configuration`);
    expect(r.fix).toBe(`set "export" in ${file} to the export that is the app`);
  });

  it('fails an export that is not a function', async () => {
    const { ctx } = prepare({ app: fx('not-function.app.mjs') });
    const r = await checkApp(ctx);
    expect(r.line).toBe(`app_failed: export "default" of ${fx('not-function.app.mjs')} is an object, not an app function (environ, startResponse) => body`);
    expect(r.fix).toBe('make the default export the app function (environ, startResponse) => body (wrap an Express or Node listener with fromNodeListener)');
  });

  it('fails an app still loading after "startTimeoutMs", without waiting for it', async () => {
    const { ctx } = prepare({ app: fx('hangs.app.mjs'), startTimeoutMs: 500 });
    const started = Date.now();
    expect(await checkApp(ctx)).toEqual({
      check: 'app',
      status: 'fail',
      line: `app_failed: loading ${fx('hangs.app.mjs')} did not finish within 500 ms ("startTimeoutMs")`,
      fix: 'make the module load without waiting at its top level (start work on the first request), or raise "startTimeoutMs"',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails an app that ends the process while loading, with what it said', async () => {
    const { ctx } = prepare({ app: fx('exits.app.mjs') });
    const r = await checkApp(ctx);
    expect(r.line).toBe(`app_failed: ${fx('exits.app.mjs')}: loading it ended the process (exit code 3): cannot start: no config`);
    expect(r.fix).toContain(`run "node ${fx('exits.app.mjs')}"`);
  });

  it('warns when the package is not built, so it cannot load the app', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'isapi-doctor-root-'));
    const { ctx } = prepare({ app }, undefined, { packageRoot: empty });
    expect(await checkApp(ctx)).toEqual({
      check: 'app',
      status: 'warn',
      line: `cannot load the app to check it: ${join(empty, 'dist', 'runtime', 'load-app.js')} is missing`,
      fix: 'build the package (npm run build:ts)',
    });
  });
});

describe('check "node" (out of process): nodePath exists and is Node 18 or later', () => {
  it('passes the Node running the tests', () => {
    const { ctx } = prepare({ app, hostingModel: 'outofprocess', nodePath: process.execPath });
    expect(checkNode(ctx)).toEqual({ check: 'node', status: 'ok', line: `${process.execPath} is Node ${process.version}` });
  });

  it('finds a bare name in PATH', () => {
    const { ctx } = prepare({ app, hostingModel: 'outofprocess' }, undefined, { env: { PATH: dirname(process.execPath) } });
    expect(checkNode(ctx).line).toBe(`${join(dirname(process.execPath), 'node')} is Node ${process.version}`);
  });

  it('fails node_not_found for a name in no folder of PATH', () => {
    const { ctx } = prepare({ app, hostingModel: 'outofprocess', nodePath: 'node-nowhere' });
    expect(checkNode(ctx)).toEqual({
      check: 'node',
      status: 'fail',
      line: 'node_not_found: "node-nowhere" is not in any folder of PATH',
      fix: 'install Node 18 or later, or set "nodePath" to node\'s full path',
    });
  });

  it('fails node_not_found for a path that does not exist, relative to the configuration; on Windows it names iisreset', () => {
    const { dir, ctx } = prepare({ app, hostingModel: 'outofprocess', nodePath: 'bin/node.exe' }, undefined, { platform: 'win32' });
    const r = checkNode(ctx);
    expect(r.line).toBe(`node_not_found: ${join(dir, 'bin', 'node.exe')} ("nodePath") does not exist`);
    expect(r.fix).toBe('install Node 18 or later for all users and restart IIS (iisreset) so the pool sees the new PATH, or set "nodePath" to node.exe\'s full path');
  });

  it('fails node_too_old for Node 16', () => {
    const { ctx } = prepare({ app, hostingModel: 'outofprocess', nodePath: fx('node-16') });
    expect(checkNode(ctx)).toEqual({
      check: 'node',
      status: 'fail',
      line: `node_too_old: ${fx('node-16')} is Node v16.20.2; out of process needs Node 18 or later`,
      fix: 'install Node 18 or later, or set "nodePath" to a newer node',
    });
  });

  it('fails an executable that is not Node', () => {
    const { ctx } = prepare({ app, hostingModel: 'outofprocess', nodePath: fx('not-node') });
    expect(checkNode(ctx)).toEqual({
      check: 'node',
      status: 'fail',
      line: `${fx('not-node')} --version did not answer as Node does (it printed "hello")`,
      fix: 'set "nodePath" to a Node executable (18 or later)',
    });
  });
});

describe('checks "worker" and "bootstrap": the package\'s JavaScript under packageRoot', () => {
  it('passes this package\'s dist/worker/main.js and dist/runtime/bootstrap.cjs', () => {
    const { ctx } = prepare({ app, hostingModel: 'outofprocess' });
    expect(checkWorker(ctx)).toEqual({ check: 'worker', status: 'ok', line: `${join(projectRoot, 'dist', 'worker', 'main.js')} exists` });
    expect(checkBootstrap(ctx)).toEqual({ check: 'bootstrap', status: 'ok', line: `${join(projectRoot, 'dist', 'runtime', 'bootstrap.cjs')} exists` });
  });

  it('fails worker_missing under a "packageRoot" without dist/', () => {
    const { dir, file, ctx } = prepare({ app, hostingModel: 'outofprocess', packageRoot: 'pkg' });
    expect(checkWorker(ctx)).toEqual({
      check: 'worker',
      status: 'fail',
      line: `worker_missing: ${join(dir, 'pkg', 'dist', 'worker', 'main.js')} does not exist`,
      fix: `set "packageRoot" in ${file} to the isapi-node package's folder (the one holding dist/), or build it there (npm run build)`,
    });
  });

  it('fails bootstrap_missing in a package that is not built', () => {
    const empty = mkdtempSync(join(tmpdir(), 'isapi-doctor-root-'));
    const { file, ctx } = prepare({ app }, undefined, { packageRoot: empty });
    expect(checkBootstrap(ctx)).toEqual({
      check: 'bootstrap',
      status: 'fail',
      line: `bootstrap_missing: ${join(empty, 'dist', 'runtime', 'bootstrap.cjs')} does not exist`,
      fix: `build the package (npm run build), or set "packageRoot" in ${file} to the isapi-node package's folder`,
    });
  });
});

describe('check "runtime" (in process, Windows): isapi_node_inproc.dll beside the extension', () => {
  it('passes an x64 runtime beside an x64 extension', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x64'), 'isapi_node_inproc.dll': peHead('x64') }), { platform: 'win32' });
    expect(checkRuntime(ctx)).toEqual({ check: 'runtime', status: 'ok', line: 'isapi_node_inproc.dll is x64 (64-bit), beside isapi_node.dll' });
  });

  it('fails a missing runtime', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x86') }), { platform: 'win32' });
    expect(checkRuntime(ctx)).toEqual({
      check: 'runtime',
      status: 'fail',
      line: `runtime_failed: isapi_node_inproc.dll is not in ${dir}`,
      fix: 'put the x86 isapi_node_inproc.dll (an MSVC build; isapi-node iis-install --hosting-model inprocess copies it from a package that has one) beside the extension, or set "hostingModel": "outofprocess" to run your own node instead',
    });
  });

  it('fails a runtime of the other bitness', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x64'), 'isapi_node_inproc.dll': peHead('x86') }), { platform: 'win32' });
    const r = checkRuntime(ctx)!;
    expect(r.line).toBe('isapi_node_inproc.dll is x86 (32-bit), but isapi_node.dll is x64 (64-bit): it cannot load it');
    expect(r.fix).toContain('put the x64 isapi_node_inproc.dll');
  });

  it('is not a check off Windows', () => {
    const { ctx } = prepare({ app });
    expect(checkRuntime(ctx)).toBeNull();
  });
});

describe('check "libnode" (in process)', () => {
  it('Windows: passes libnode.dll of the extension\'s bitness beside it', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x64'), 'libnode.dll': peHead('x64') }), { platform: 'win32' });
    expect(checkLibnode(ctx)).toEqual({
      check: 'libnode',
      status: 'ok',
      line: 'libnode.dll beside isapi_node.dll is x64 (64-bit); its Node version is checked when the runtime loads it',
    });
  });

  it('Windows: fails libnode_missing, naming the command that installs it', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x86') }), { platform: 'win32' });
    expect(checkLibnode(ctx)).toEqual({
      check: 'libnode',
      status: 'fail',
      line: `libnode_missing: libnode.dll is not in ${dir}`,
      fix: `run isapi-node libnode install --arch x86 --dest "${dir}" (NuGet's Microsoft.JavaScript.LibNode.win-x86), or set "hostingModel": "outofprocess" to run your own node instead`,
    });
  });

  it('Windows: fails a libnode.dll of the other bitness', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x64'), 'libnode.dll': peHead('x86') }), { platform: 'win32' });
    expect(checkLibnode(ctx)).toEqual({
      check: 'libnode',
      status: 'fail',
      line: 'libnode.dll is x86 (32-bit), but isapi_node.dll is x64 (64-bit): it cannot load it',
      fix: `run isapi-node libnode install --arch x64 --dest "${dir}" --force`,
    });
  });

  it('Windows: fails a "libnode" the configuration names that does not exist', () => {
    const { dir, file, ctx } = prepare({ app, libnode: 'node\\libnode.dll' }, () => ({ 'isapi_node.dll': peHead('x64') }), { platform: 'win32' });
    const r = checkLibnode(ctx);
    expect(r.line).toBe(`libnode_missing: ${join(dir, 'node\\libnode.dll')}, named by "libnode" in ${file}, does not exist`);
    expect(r.fix).toBe(`name an existing libnode.dll there, or remove the name and run isapi-node libnode install --arch x64 --dest "${dir}"`);
  });

  const runtimeBuilt = existsSync(join(projectRoot, 'build', 'Release', 'isapi_node_inproc.so'));
  const systemLibnode = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib', '/usr/local/lib'].some((d) => existsSync(d) && readdirSync(d).some((n) => n.startsWith('libnode.so.')));

  it.skipIf(!runtimeBuilt)('Linux: passes the libnode this checkout\'s runtime needs, found through its RUNPATH', () => {
    const { ctx } = prepare({ app });
    expect(checkLibnode(ctx)).toEqual({
      check: 'libnode',
      status: 'ok',
      line: `libnode.so.108 (needed by isapi_node_inproc.so) is in ${join(projectRoot, 'deps', 'libnode', 'usr', 'lib', 'x86_64-linux-gnu')}`,
    });
  });

  it.skipIf(!runtimeBuilt || systemLibnode)('Linux: fails libnode_missing when no folder the loader searches has it', () => {
    // The runtime copied beside the configuration: its RUNPATH ($ORIGIN/../../deps/…) leads nowhere there.
    const { ctx } = prepare({ app }, () => ({}));
    copyFileSync(join(projectRoot, 'build', 'Release', 'isapi_node_inproc.so'), join(ctx.dir, 'isapi_node_inproc.so'));
    const r = checkLibnode(ctx);
    expect(r.status).toBe('fail');
    expect(r.line).toMatch(new RegExp(`^libnode_missing: libnode\\.so\\.108, which ${join(ctx.dir, 'isapi_node_inproc.so').replace(/[.]/g, '\\.')} needs, is in none of the \\d+ library folders the loader searches$`));
    expect(r.fix).toBe(
      'install Debian\'s libnode108 package, or name libnode.so.108 with "libnode" in the configuration or ISAPI_NODE_LIBNODE; in a checkout, npm run setup unpacks it into deps/; or set "hostingModel": "outofprocess" to run your own node instead',
    );
  });

  it.skipIf(!runtimeBuilt)('Linux: passes the libnode ISAPI_NODE_LIBNODE names', () => {
    const lib = join(projectRoot, 'deps', 'libnode', 'usr', 'lib', 'x86_64-linux-gnu', 'libnode.so.108');
    const { ctx } = prepare({ app }, undefined, { env: { ISAPI_NODE_LIBNODE: lib } });
    expect(checkLibnode(ctx)).toEqual({ check: 'libnode', status: 'ok', line: `${lib} (named by the ISAPI_NODE_LIBNODE environment variable), for libnode.so.108` });
  });

  it.skipIf(!runtimeBuilt)('Linux: fails a "libnode" of another major version than the runtime needs', () => {
    const { dir, file, ctx } = prepare({ app, libnode: 'libnode.so.115' }, () => ({ 'libnode.so.115': '' }));
    expect(checkLibnode(ctx)).toEqual({
      check: 'libnode',
      status: 'fail',
      line: `libnode_missing: "libnode" in ${file} names libnode.so.115, but the in-process runtime needs libnode.so.108`,
      fix: 'name libnode.so.108 instead, or build the runtime against libnode.so.115 (npx isapi-node build)',
    });
    expect(dir).toBeTruthy();
  });

  it('Linux: fails a "libnode" that does not exist', () => {
    const { dir, file, ctx } = prepare({ app, libnode: 'lib/libnode.so.108' });
    const r = checkLibnode(ctx);
    expect(r.line).toBe(`libnode_missing: ${join(dir, 'lib', 'libnode.so.108')}, named by "libnode" in ${file}, does not exist`);
    expect(r.fix).toMatch(/^install Debian's libnode\d+ package, or name /);
  });
});
