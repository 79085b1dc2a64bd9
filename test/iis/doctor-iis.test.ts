// `isapi-node doctor`, what IIS needs: the DLL's bitness against the pool, the trace writable,
// the handler mapping, the request limits; the runner on an IIS folder (platform "win32", small PE
// heads: nothing here needs IIS), and the command end to end from dist/ on a healthy and a broken setup.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBitness } from '../../lib/iis/doctor/bitness.js';
import { checkHandler, checkLimits } from '../../lib/iis/doctor/handler.js';
import { runDoctor } from '../../lib/iis/doctor/index.js';
import { checkTrace } from '../../lib/iis/doctor/trace.js';
import { projectRoot } from '../support/build.js';
import { app, cli, folder, fx, limit, mapping, prepare, webConfig } from './fixtures/doctor/support.js';
import { peHead } from './fixtures/libnode/pe.js';

describe('check "bitness": isapi_node.dll against the application pool', () => {
  it('passes a 64-bit DLL in a 64-bit pool', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x64') }), { platform: 'win32', bitness: 64 });
    expect(checkBitness(ctx)).toEqual({ check: 'bitness', status: 'ok', line: 'isapi_node.dll is x64 (64-bit), as the 64-bit application pool' });
  });

  it('says which pool a DLL needs without --bitness', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x86') }), { platform: 'win32' });
    expect(checkBitness(ctx)).toEqual({
      check: 'bitness',
      status: 'ok',
      line: 'isapi_node.dll is x86 (32-bit): it needs a 32-bit pool (enable32BitAppOnWin64 true); pass --bitness 32|64 to compare with the pool\'s',
    });
  });

  it('fails a 32-bit DLL in a 64-bit pool, with both ways out', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x86') }), { platform: 'win32', bitness: 64, pool: 'shop' });
    expect(checkBitness(ctx)).toEqual({
      check: 'bitness',
      status: 'fail',
      line: 'isapi_node.dll is x86 (32-bit), but the application pool is 64-bit: IIS cannot load it',
      fix: 'set enable32BitAppOnWin64 to true on the pool (%windir%\\system32\\inetsrv\\appcmd set apppool "shop" /enable32BitAppOnWin64:true), or use the x64 isapi_node.dll (isapi-node iis-install picks the pool\'s)',
    });
  });

  it('fails a 64-bit DLL in a 32-bit pool', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('x64') }), { platform: 'win32', bitness: 32 });
    const r = checkBitness(ctx);
    expect(r.line).toBe('isapi_node.dll is x64 (64-bit), but the application pool is 32-bit: IIS cannot load it');
    expect(r.fix).toBe(
      'set enable32BitAppOnWin64 to false on the pool (%windir%\\system32\\inetsrv\\appcmd set apppool "<pool name>" /enable32BitAppOnWin64:false), or use the x86 isapi_node.dll (isapi-node iis-install picks the pool\'s)',
    );
  });

  it('fails a file that is not a DLL', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'isapi_node.dll': 'not a dll' }), { platform: 'win32' });
    expect(checkBitness(ctx)).toEqual({
      check: 'bitness',
      status: 'fail',
      line: `${join(dir, 'isapi_node.dll')} is not a Windows DLL (no MZ header)`,
      fix: 'replace it with the package\'s isapi_node.dll (run "isapi-node iis-install")',
    });
  });

  it('fails an arm64 DLL', () => {
    const { ctx } = prepare({ app }, () => ({ 'isapi_node.dll': peHead('arm64') }), { platform: 'win32' });
    expect(checkBitness(ctx)).toEqual({ check: 'bitness', status: 'fail', line: 'isapi_node.dll is arm64 (64-bit): IIS pools load x64 or x86 DLLs', fix: 'use the package\'s x64 isapi_node.dll' });
  });

  it('warns on Windows when no DLL is beside the configuration', () => {
    const { dir, ctx } = prepare({ app }, undefined, { platform: 'win32' });
    expect(checkBitness(ctx)).toEqual({
      check: 'bitness',
      status: 'warn',
      line: `no isapi_node.dll in ${dir}: IIS reads the configuration beside the DLL it loads`,
      fix: 'run "isapi-node iis-install", or copy isapi_node.dll (x64 for a 64-bit pool, x86 for a 32-bit one) here',
    });
  });

  it('skips off Windows when there is no DLL (the test host\'s configuration)', () => {
    const { ctx } = prepare({ app });
    expect(checkBitness(ctx)).toEqual({ check: 'bitness', status: 'skip', line: 'no isapi_node.dll beside the configuration (not an IIS folder)' });
  });
});

describe('check "trace": the trace channel can be written', () => {
  it('passes a file that can be appended to, and leaves none behind', () => {
    const { dir, ctx } = prepare({ app, trace: 'isapi_node.log' });
    expect(checkTrace(ctx)).toEqual({ check: 'trace', status: 'ok', line: `${join(dir, 'isapi_node.log')} can be appended to` });
    expect(existsSync(join(dir, 'isapi_node.log'))).toBe(false);
  });

  it('on Windows, names the rights the pool identity needs', () => {
    const { dir, ctx } = prepare({ app, trace: 'isapi_node.log' }, undefined, { platform: 'win32', pool: 'shop' });
    expect(checkTrace(ctx)).toEqual({
      check: 'trace',
      status: 'ok',
      line: `${join(dir, 'isapi_node.log')} can be appended to by ${userInfo().username}; the pool's identity needs Modify rights on its folder too: icacls "${dir}" /grant "IIS AppPool\\shop:(OI)(CI)M"`,
    });
  });

  it('fails a file that cannot be opened for appending, naming icacls on Windows', () => {
    // A folder in its place: EISDIR even for root, where permissions would not stop the test.
    const { dir, ctx } = prepare({ app, trace: 'logs' }, () => ({ 'logs/keep': '' }), { platform: 'win32' });
    expect(checkTrace(ctx)).toEqual({
      check: 'trace',
      status: 'fail',
      line: `cannot open ${join(dir, 'logs')} for appending (EISDIR)`,
      fix: `give the pool's identity Modify rights on the folder: icacls "${dir}" /grant "IIS AppPool\\<pool name>:(OI)(CI)M"`,
    });
  });

  it('fails a trace file in a folder that does not exist', () => {
    const { dir, ctx } = prepare({ app, trace: 'logs/isapi_node.log' });
    expect(checkTrace(ctx)).toEqual({
      check: 'trace',
      status: 'fail',
      line: `the folder of the trace file ${join(dir, 'logs', 'isapi_node.log')} does not exist`,
      fix: `create ${join(dir, 'logs')}, or set "trace" to a file in an existing folder`,
    });
  });

  it('passes stderr for isapi-host, warns about it under IIS', () => {
    expect(checkTrace(prepare({ app }).ctx)).toEqual({ check: 'trace', status: 'ok', line: 'stderr' });
    const { file, ctx } = prepare({ app, trace: 'stderr' }, undefined, { platform: 'win32' });
    expect(checkTrace(ctx)).toEqual({
      check: 'trace',
      status: 'warn',
      line: '"trace" is stderr, which goes nowhere in IIS (w3wp.exe): startup failures and app errors are lost',
      fix: `set "trace": "isapi_node.log" in ${file}, or remove "trace" (that file is the default on Windows)`,
    });
  });

  it('checks isapi_node.log beside the configuration on Windows when there is no "trace" (the extension\'s default there)', () => {
    const { dir, ctx } = prepare({ app }, undefined, { platform: 'win32', pool: 'shop' });
    expect(checkTrace(ctx).line).toBe(
      `${join(dir, 'isapi_node.log')} can be appended to by ${userInfo().username}; the pool's identity needs Modify rights on its folder too: icacls "${dir}" /grant "IIS AppPool\\shop:(OI)(CI)M"`,
    );
  });
});

describe('check "handler": web.config maps requests to the DLL beside the configuration', () => {
  it('passes the mapping iis-install writes (with %VARIABLES% expanded)', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'web.config': webConfig(mapping('%SITE_DIR%/isapi_node.dll')), 'isapi_node.dll': peHead('x64') }), {
      platform: 'win32',
    });
    ctx.env.SITE_DIR = dir;
    expect(checkHandler(ctx)).toEqual({ check: 'handler', status: 'ok', line: `${join(dir, 'web.config')} maps path "*" to isapi_node.dll through IsapiModule` });
  });

  it('warns on Windows when there is no web.config', () => {
    const { dir, ctx } = prepare({ app }, undefined, { platform: 'win32' });
    expect(checkHandler(ctx)).toEqual({ check: 'handler', status: 'warn', line: `no web.config in ${dir}: IIS has no handler mapping to isapi_node.dll here`, fix: 'run "isapi-node iis-install"' });
  });

  it('skips off Windows when there is no web.config', () => {
    expect(checkHandler(prepare({ app }).ctx)).toEqual({ check: 'handler', status: 'skip', line: 'no web.config beside the configuration (isapi-host needs none)' });
  });

  it('fails a web.config that is not well-formed', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'web.config': '<configuration><system.webServer></configuration>' }), { platform: 'win32' });
    const r = checkHandler(ctx);
    expect(r.status).toBe('fail');
    expect(r.line).toMatch(new RegExp(`^${join(dir, 'web.config').replace(/[.]/g, '\\.')} is not a well-formed IIS configuration: .+`));
    expect(r.fix).toBe('correct it: IIS answers 500.19 to every request while it is broken');
  });

  it('fails a web.config without the handler, or with it removed again', () => {
    for (const handlers of ['<add name="other" path="*.aspx" verb="*" modules="IsapiModule" scriptProcessor="x.dll" />', `${mapping('x')}<remove name="isapi-node" />`, `${mapping('x')}<clear />`]) {
      const { dir, ctx } = prepare({ app }, () => ({ 'web.config': webConfig(handlers) }), { platform: 'win32' });
      expect(checkHandler(ctx)).toEqual({
        check: 'handler',
        status: 'fail',
        line: `${join(dir, 'web.config')} has no handler named "isapi-node" in system.webServer/handlers`,
        fix: 'run "isapi-node iis-install" to add it',
      });
    }
  });

  it('fails a handler through another module', () => {
    const { dir, ctx } = prepare({ app }, (d) => ({ 'web.config': webConfig(mapping(join(d, 'isapi_node.dll'), 'modules="CgiModule"')) }), { platform: 'win32' });
    expect(checkHandler(ctx)).toEqual({
      check: 'handler',
      status: 'fail',
      line: `the "isapi-node" handler in ${join(dir, 'web.config')} has modules="CgiModule", not "IsapiModule"`,
      fix: 'set modules="IsapiModule" (or run "isapi-node iis-install")',
    });
  });

  it('fails a handler whose scriptProcessor is another DLL', () => {
    const { dir, ctx } = prepare({ app }, () => ({ 'web.config': webConfig(mapping('C:\\old\\isapi_node.dll')) }), { platform: 'win32' });
    expect(checkHandler(ctx)).toEqual({
      check: 'handler',
      status: 'fail',
      line: `the "isapi-node" handler in ${join(dir, 'web.config')} has scriptProcessor="C:\\old\\isapi_node.dll", not the isapi_node.dll beside the configuration`,
      fix: `set scriptProcessor="${join(dir, 'isapi_node.dll')}" (or run "isapi-node iis-install")`,
    });
  });

  it('warns about resourceType="File": URLs that are not files get 404', () => {
    const { dir, ctx } = prepare(
      { app },
      (d) => ({ 'web.config': webConfig(mapping(join(d, 'isapi_node.dll')).replace('resourceType="Unspecified"', 'resourceType="File"')) }),
      { platform: 'win32' },
    );
    expect(checkHandler(ctx)).toEqual({
      check: 'handler',
      status: 'warn',
      line: `the "isapi-node" handler in ${join(dir, 'web.config')} has resourceType="File": IIS answers 404 to URLs that are not files or folders on disk`,
      fix: 'set resourceType="Unspecified" so every URL reaches the app',
    });
  });
});

describe('check "limits": IIS lets through the bodies the app takes', () => {
  const withLimit = (config: Record<string, unknown>, n?: string) =>
    prepare({ app, ...config }, (d) => ({ 'web.config': webConfig(mapping(join(d, 'isapi_node.dll')), n === undefined ? '' : limit(n)) }), { platform: 'win32' }).ctx;

  it('passes the defaults on both sides', () => {
    expect(checkLimits(withLimit({}))).toEqual({
      check: 'limits',
      status: 'ok',
      line: `IIS lets bodies up to 30000000 bytes through (IIS's default maxAllowedContentLength), the app takes up to 30000000 ("maxRequestBodyBytes")`,
    });
  });

  it('passes a raised IIS limit', () => {
    expect(checkLimits(withLimit({ maxRequestBodyBytes: 100_000_000 }, '104857600')).line).toBe(
      'IIS lets bodies up to 104857600 bytes through (maxAllowedContentLength in web.config), the app takes up to 100000000 ("maxRequestBodyBytes")',
    );
  });

  it('fails an app limit above IIS\'s: IIS would answer 404.13 first', () => {
    expect(checkLimits(withLimit({ maxRequestBodyBytes: 100_000_000 }))).toEqual({
      check: 'limits',
      status: 'fail',
      line: `IIS refuses bodies over 30000000 bytes (IIS's default maxAllowedContentLength) with 404.13 before the app's limit of 100000000 ("maxRequestBodyBytes") is reached`,
      fix: `set maxAllowedContentLength="100000000" in web.config's system.webServer/security/requestFiltering/requestLimits, or lower "maxRequestBodyBytes" to 30000000`,
    });
  });

  it('fails a lowered IIS limit', () => {
    const r = checkLimits(withLimit({}, '1048576'));
    expect(r.line).toBe('IIS refuses bodies over 1048576 bytes (maxAllowedContentLength in web.config) with 404.13 before the app\'s limit of 30000000 ("maxRequestBodyBytes") is reached');
    expect(r.fix).toContain('set maxAllowedContentLength="30000000"');
  });

  it('warns when the app has no limit but IIS has one', () => {
    expect(checkLimits(withLimit({ maxRequestBodyBytes: 0 }))).toEqual({
      check: 'limits',
      status: 'warn',
      line: `"maxRequestBodyBytes" is 0 (no limit), but IIS refuses bodies over 30000000 bytes (IIS's default maxAllowedContentLength) with 404.13`,
      fix: `raise maxAllowedContentLength in web.config's system.webServer/security/requestFiltering/requestLimits if larger bodies should reach the app`,
    });
  });

  it('fails a maxAllowedContentLength that is not a number', () => {
    expect(checkLimits(withLimit({}, '30MB'))).toEqual({
      check: 'limits',
      status: 'fail',
      line: 'maxAllowedContentLength="30MB" in web.config is not a whole number from 0 to 4294967295',
      fix: 'correct it: IIS answers 500.19 to every request while it is invalid',
    });
  });

  it('compares with IIS\'s default on Windows without web.config; skips elsewhere', () => {
    const win = prepare({ app, maxRequestBodyBytes: 50_000_000 }, undefined, { platform: 'win32' }).ctx;
    expect(checkLimits(win).status).toBe('fail');
    expect(checkLimits(prepare({ app }).ctx)).toEqual({ check: 'limits', status: 'skip', line: 'no web.config beside the configuration (isapi-host has no IIS body limit)' });
  });
});

describe('the runner on an IIS folder (platform "win32")', () => {
  it('runs the in-process and IIS checks in order, each with its status', async () => {
    const { file } = folder({ app, maxRequestBodyBytes: 50_000_000 }, (d) => ({
      'isapi_node.dll': peHead('x86'),
      'libnode.dll': peHead('x86'),
      'web.config': webConfig(mapping(join(d, 'isapi_node.dll'))),
    }));
    const results = await runDoctor({ configFile: file, platform: 'win32', bitness: 64, env: { PATH: process.env.PATH }, packageRoot: projectRoot });
    expect(results.map((r) => `${r.status} ${r.check}`)).toEqual([
      'ok config',
      'ok keys',
      'ok values',
      'ok app',
      'ok bootstrap',
      'fail runtime',
      'ok libnode',
      'fail bitness',
      'ok trace',
      'ok handler',
      'fail limits',
    ]);
  });
});

describe('isapi-node doctor (the command, from dist/)', () => {
  const doctor = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [cli, 'doctor', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });

  it('exits 0 on a healthy setup (out of process, as isapi-node host writes it), one line per check', () => {
    const { dir, file } = folder({ app, hostingModel: 'outofprocess', nodePath: process.execPath, trace: 'isapi_node.log' });
    const r = doctor(['--config', file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      `isapi-node doctor: ${file}`,
      `ok   config: ${file} parses`,
      'ok   keys: all 4 keys are known',
      'ok   values: every value has its type and is in range',
      `ok   app: ${app} loads; the default export is an app function`,
      `ok   node: ${process.execPath} is Node ${process.version}`,
      `ok   worker: ${join(projectRoot, 'dist', 'worker', 'main.js')} exists`,
      'skip bitness: no isapi_node.dll beside the configuration (not an IIS folder)',
      `ok   trace: ${join(dir, 'isapi_node.log')} can be appended to`,
      'skip handler: no web.config beside the configuration (isapi-host needs none)',
      'skip limits: no web.config beside the configuration (isapi-host has no IIS body limit)',
      'no problems found (10 checks, 3 skipped)',
    ]);
  });

  it('finds the configuration through ISAPI_NODE_CONFIG', () => {
    const { file } = folder({ app, hostingModel: 'outofprocess', nodePath: process.execPath });
    const r = doctor([], { ISAPI_NODE_CONFIG: file });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`isapi-node doctor: ${file}`);
  });

  it('exits 1 on a broken setup, each FAIL line with its fix', () => {
    const { file } = folder({ app: 'missing.js', hostingModel: 'outofprocess', nodePath: fx('node-16'), workers: 0 });
    const r = doctor(['--config', file]);
    expect(r.status).toBe(1);
    const fails = r.stdout.split('\n').filter((l) => l.startsWith('FAIL '));
    expect(fails.map((l) => l.split(':')[0])).toEqual(['FAIL values', 'FAIL app', 'FAIL node']);
    for (const line of fails) expect(line).toContain(' -- fix: ');
    expect(r.stdout).toContain(`FAIL node: node_too_old: ${fx('node-16')} is Node v16.20.2; out of process needs Node 18 or later -- fix: install Node 18 or later, or set "nodePath" to a newer node\n`);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('3 failed (10 checks, 3 skipped): fix the FAIL lines above');
  });

  it('exits 2 on bad usage', () => {
    const r = doctor(['--bitness', '48']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('isapi-node: --bitness must be 32 or 64 (the application pool\'s), got "48"\n');
  });
});
