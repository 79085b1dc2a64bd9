// iis-install: the plan it prints (--dry-run, and the appcmd lines everywhere but Windows), the
// files it writes off Windows, the appcmd steps it runs on Windows (with an appcmd that records
// its calls), and every bad input refused with one clear line before anything is changed.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findWindowsBinaries } from '../../lib/cli/binaries.js';
import { runIisInstall, type IisCommandContext } from '../../lib/cli/iis-install.js';
import { commandLine } from '../../lib/iis/appcmd.js';
import type { InstallRecord } from '../../lib/iis/install-record.js';
import { readPeImage } from '../../lib/iis/pe.js';
import { projectRoot } from '../support/build.js';
import { APPCMD, appFolder, cli, context, fakeIis, refusal, snapshot, tempDir, win32Dll, win64Dll } from './fixtures/install/support.js';

/** The text of the file a unified diff creates (every + line after the header). */
function createdByDiff(lines: string[], path: string): string {
  const start = lines.indexOf(`+++ ${path}`);
  expect(start, `a diff creating ${path}`).toBeGreaterThan(0);
  expect(lines[start - 1]).toBe('--- /dev/null');
  const body: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('+') && !line.startsWith('\\')) break;
    if (line.startsWith('+')) body.push(line.slice(1));
  }
  return body.join('\n');
}

/** The keys native/extension/config.cc accepts (it refuses any other). */
const knownKeys = (() => {
  const source = readFileSync(join(projectRoot, 'native', 'extension', 'config.cc'), 'utf8');
  const list = /kKnownKeys\[\] = \{([^}]*)\}/.exec(source)![1];
  return [...list.matchAll(/"(\w+)"/g)].map((m) => m[1]);
})();

const xml = (text: string) => new DOMParser({ onError: (l, m) => { throw new Error(`${l}: ${m}`); } }).parseFromString(text.replace(/^\uFEFF/, ''), 'text/xml');
function handlerOf(text: string): Record<string, string> {
  const adds = Array.from(xml(text).getElementsByTagName('add')).filter((a: Element) => a.getAttribute('name') === 'isapi-node');
  expect(adds).toHaveLength(1);
  expect((adds[0].parentNode as Element).tagName).toBe('handlers');
  expect(((adds[0].parentNode as Element).parentNode as Element).tagName).toBe('system.webServer');
  return Object.fromEntries(Array.from(adds[0].attributes).map((a) => [a.name, a.value]));
}
const requestLimit = (text: string) => (xml(text).getElementsByTagName('requestLimits')[0] as Element).getAttribute('maxAllowedContentLength');

/** A package root of our own: the real x64 DLL as the extension, and stand-ins for the in-process ones. */
function fakePackage(extension = win64Dll, withRuntime = true): string {
  const root = tempDir('isapi-pkg-');
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'isapi-node', version: '9.9.9' }));
  const dir = join(root, 'prebuilds', 'win32-x64');
  mkdirSync(dir, { recursive: true });
  copyFileSync(extension, join(dir, 'isapi_node.dll'));
  const files = ['isapi_node.dll'];
  if (withRuntime) {
    // Any x64 DLL stands in for the MSVC-built runtime and libnode.dll: only copied and checked here.
    copyFileSync(join(projectRoot, 'build', 'win64', 'hello_ext.dll'), join(dir, 'isapi_node_inproc.dll'));
    copyFileSync(join(projectRoot, 'build', 'win64', 'hello_ext.dll'), join(dir, 'libnode.dll'));
    files.push('isapi_node_inproc.dll', 'libnode.dll');
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ package: 'isapi-node', version: '9.9.9', platform: 'win32', arch: 'x64', files }));
  return root;
}

let savedWinBuild: string | undefined;
beforeEach(() => {
  savedWinBuild = process.env.ISAPI_WIN_BUILD;
  delete process.env.ISAPI_WIN_BUILD;
});
afterEach(() => {
  if (savedWinBuild === undefined) delete process.env.ISAPI_WIN_BUILD;
  else process.env.ISAPI_WIN_BUILD = savedWinBuild;
});

describe('findWindowsBinaries', () => {
  it("takes this checkout's cross-build, else the package's prebuilt DLLs of the pool's architecture", () => {
    expect(findWindowsBinaries(64, projectRoot).file('extension')).toBe(win64Dll);
    expect(findWindowsBinaries(32, projectRoot).file('extension')).toBe(win32Dll);
    const root = fakePackage();
    const found = findWindowsBinaries(64, root);
    expect([found.kind, found.file('extension'), found.manifest?.arch]).toEqual(['prebuilt', join(root, 'prebuilds', 'win32-x64', 'isapi_node.dll'), 'x64']);
  });

  it('refuses prebuilt DLLs of another version, and says what is missing', () => {
    const root = fakePackage();
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'isapi-node', version: '1.0.0' }));
    expect(() => findWindowsBinaries(64, root)).toThrow(`the binaries in ${join(root, 'prebuilds', 'win32-x64')} belong to isapi-node 9.9.9, the package is 1.0.0: reinstall the package`);
    expect(() => findWindowsBinaries(32, root)).toThrow(
      `no isapi_node.dll for 32-bit application pools: the package has no ${join('prebuilds', 'win32-ia32')} and this checkout no ${join('build', 'win32')} (npm run build:win makes both). Reinstall the package, or choose the other --bitness.`,
    );
  });
});

describe('iis-install --dry-run', () => {
  const cases = [
    { where: 'the site root', virtualdir: '/', model: 'outofprocess' },
    { where: 'a virtual folder', virtualdir: '/shop', model: 'outofprocess' },
    { where: 'the site root', virtualdir: '/', model: 'inprocess' },
    { where: 'a virtual folder', virtualdir: '/shop/', model: 'inprocess' },
  ] as const;
  for (const { where, virtualdir, model } of cases) {
    it(`prints the changes for ${where}, ${model}, and changes nothing`, async () => {
      const dir = appFolder(virtualdir === '/' ? undefined : 'odd.web.config');
      const before = snapshot(dir);
      const packageRoot = model === 'inprocess' ? fakePackage() : projectRoot;
      const ctx = context({ packageRoot });
      const args = ['--app', join(dir, 'app.js'), '--virtualdir', virtualdir, '--hosting-model', model, '--dry-run'];
      if (model === 'outofprocess') args.push('--processes', '2', '--node-path', 'C:\\Program Files\\nodejs\\node.exe');
      else args.push('--workers', '3');
      expect(await runIisInstall(args, ctx)).toBe(0);
      expect(snapshot(dir)).toEqual(before);
      const { lines } = ctx;
      expect(lines).toContain('dry run: nothing is changed');

      // The DLLs, one line each.
      const extension = model === 'inprocess' ? join(packageRoot, 'prebuilds', 'win32-x64', 'isapi_node.dll') : win64Dll;
      const bytes = readFileSync(extension);
      const sha = createHash('sha256').update(bytes).digest('hex');
      expect(lines).toContain(`copy ${extension} -> ${join(dir, 'isapi_node.dll')} (${bytes.length} bytes, sha256 ${sha})`);
      expect(lines.filter((l) => l.startsWith('copy ')).map((l) => l.split(' ')[3])).toEqual(
        model === 'inprocess' ? ['isapi_node.dll', 'isapi_node_inproc.dll', 'libnode.dll'].map((f) => join(dir, f)) : [join(dir, 'isapi_node.dll')],
      );

      // The configuration, as the diff creates it: only keys the extension knows.
      const config = JSON.parse(createdByDiff(lines, join(dir, 'isapi_node.json')));
      expect(Object.keys(config).filter((k) => !knownKeys.includes(k))).toEqual([]);
      expect(config).toEqual({
        app: 'app.js',
        hostingModel: model,
        ...(model === 'outofprocess' ? { processes: 2, nodePath: 'C:\\Program Files\\nodejs\\node.exe' } : { workers: 3 }),
        trace: 'isapi_node.log',
        packageRoot,
        maxRequestBodyBytes: 30_000_000,
      });

      // web.config: created for the root here, merged for the folder (a diff against the fixture).
      if (virtualdir === '/') {
        const webConfig = createdByDiff(lines, join(dir, 'web.config'));
        expect(handlerOf(webConfig)).toMatchObject({ scriptProcessor: join(dir, 'isapi_node.dll'), preCondition: 'bitness64', modules: 'IsapiModule', path: '*' });
        expect(requestLimit(webConfig)).toBe('30000000');
      } else {
        const at = lines.indexOf(`--- ${join(dir, 'web.config')}`);
        expect(lines[at + 1]).toBe(`+++ ${join(dir, 'web.config')}`);
        const added = lines.slice(at + 2).filter((l) => l.startsWith('+')).map((l) => l.slice(1).replace(/\r$/, ''));
        expect(added[0]).toMatch(/^\t\t\t<add name="isapi-node" path="\*" verb="\*" modules="IsapiModule" scriptProcessor=".*isapi_node.dll" resourceType="Unspecified" requireAccess="Script" preCondition="bitness64"\/>$/);
        expect(added.slice(1)).toEqual(['\t\t<security>', '\t\t\t<requestFiltering>', '\t\t\t\t<requestLimits maxAllowedContentLength="30000000"/>', '\t\t\t</requestFiltering>', '\t\t</security>']);
        expect(lines.slice(at).some((l) => l.startsWith('-') && !l.startsWith('---'))).toBe(false);
      }
      expect(lines).toContain(`write ${join(dir, 'isapi-node-install.json')} (what iis-uninstall undoes)`);

      // The appcmd lines, exactly.
      const appcmd = lines.slice(lines.indexOf('appcmd, on Windows (each line\'s inverse is recorded for iis-uninstall):') + 1);
      const dll = join(dir, 'isapi_node.dll');
      const restriction = `${APPCMD} set config /section:system.webServer/security/isapiCgiRestriction /+"[path='${dll}',allowed='True',description='isapi-node']" /commit:apphost`;
      expect(appcmd).toEqual(
        virtualdir === '/'
          ? [
              `${APPCMD} add apppool /name:"isapi-node Default Web Site" /managedRuntimeVersion:""`,
              `${APPCMD} set apppool "isapi-node Default Web Site" /enable32BitAppOnWin64:false`,
              `${APPCMD} set app "Default Web Site/" /applicationPool:"isapi-node Default Web Site"`,
              restriction,
            ]
          : [
              `${APPCMD} add apppool /name:"isapi-node Default Web Site shop" /managedRuntimeVersion:""`,
              `${APPCMD} set apppool "isapi-node Default Web Site shop" /enable32BitAppOnWin64:false`,
              `${APPCMD} add app /site.name:"Default Web Site" /path:/shop /physicalPath:${dir}`,
              `${APPCMD} set app "Default Web Site/shop" /applicationPool:"isapi-node Default Web Site shop"`,
              restriction,
            ],
      );
    });
  }
});

describe('iis-install off Windows', () => {
  it('writes the DLL, its configuration, web.config and the record, and prints the appcmd lines', async () => {
    const dir = appFolder();
    const ctx = context();
    await runIisInstall(['--app', join(dir, 'app.js'), '--export', 'handler', '--max-body', '0', '--request-timeout', '5000'], ctx);
    expect(Object.keys(snapshot(dir))).toEqual(['app.js', 'isapi-node-install.json', 'isapi_node.dll', 'isapi_node.json', 'web.config']);

    const dll = join(dir, 'isapi_node.dll');
    expect(readFileSync(dll).equals(readFileSync(win64Dll))).toBe(true);
    expect(readPeImage(dll)).toEqual({ machine: 'x64', bitness: 64 });

    const config = JSON.parse(readFileSync(join(dir, 'isapi_node.json'), 'utf8'));
    expect(config).toEqual({ app: 'app.js', export: 'handler', hostingModel: 'outofprocess', trace: 'isapi_node.log', packageRoot: projectRoot, maxRequestBodyBytes: 0, requestTimeoutMs: 5000 });
    expect(Object.keys(config).filter((k) => !knownKeys.includes(k))).toEqual([]);

    const webConfig = readFileSync(join(dir, 'web.config'), 'utf8');
    expect(handlerOf(webConfig)).toEqual({
      name: 'isapi-node', path: '*', verb: '*', modules: 'IsapiModule', scriptProcessor: dll, resourceType: 'Unspecified', requireAccess: 'Script', preCondition: 'bitness64',
    });
    expect(requestLimit(webConfig)).toBe('4294967295'); // no limit of ours: IIS's highest
    expect(xml(webConfig).documentElement!.tagName).toBe('configuration');

    const record = JSON.parse(readFileSync(join(dir, 'isapi-node-install.json'), 'utf8')) as InstallRecord;
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    expect(record.files).toEqual([
      { path: dll, sha256: sha(dll) },
      { path: join(dir, 'isapi_node.json'), sha256: sha(join(dir, 'isapi_node.json')) },
    ]);
    expect(record.webConfig).toEqual({ path: join(dir, 'web.config'), before: 'absent', after: sha(join(dir, 'web.config')) });
    expect(record.version).toBe(JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version);
    expect(record.options).toMatchObject({ app: join(dir, 'app.js'), site: 'Default Web Site', virtualDir: '/', physicalPath: dir, bitness: 64, appPool: 'isapi-node Default Web Site' });
    expect(record.appcmd.map((s) => s.ran)).toEqual([false, false, false, false]);
    expect(record.appcmd[2].inverse).toEqual(['set', 'app', 'Default Web Site/', '/applicationPool:<the pool it had>']);
    expect(ctx.lines.filter((l) => l.startsWith('would run: ')).map((l) => l.slice('would run: '.length))).toEqual(record.appcmd.map((s) => commandLine(s.args)));
    expect(ctx.lines).toContain('not on Windows: the files are written, the appcmd lines only printed');
  });

  it('copies the x86 DLL for a 32-bit pool, into another physical path', async () => {
    const dir = appFolder();
    const site = tempDir('isapi-site-');
    const ctx = context();
    await runIisInstall(['--app', join(dir, 'app.js'), '--physical-path', site, '--bitness', '32', '--virtualdir', '/api', '--app-pool', 'api32'], ctx);
    expect(readFileSync(join(site, 'isapi_node.dll')).equals(readFileSync(win32Dll))).toBe(true);
    expect(readPeImage(join(site, 'isapi_node.dll'))).toEqual({ machine: 'x86', bitness: 32 });
    expect(handlerOf(readFileSync(join(site, 'web.config'), 'utf8')).preCondition).toBe('bitness32');
    expect(JSON.parse(readFileSync(join(site, 'isapi_node.json'), 'utf8')).app).toBe(join(dir, 'app.js')); // outside: absolute
    expect(ctx.lines).toContain(`would run: ${APPCMD} set apppool api32 /enable32BitAppOnWin64:true`);
    expect(ctx.lines).toContain(`would run: ${APPCMD} add app /site.name:"Default Web Site" /path:/api /physicalPath:${site}`);
    expect(Object.keys(snapshot(dir))).toEqual(['app.js']);
  });
});

describe('iis-install refuses bad input, changing nothing', () => {
  /** Runs the install, expects a CliError with `message`, and the folder exactly as it was. */
  async function refused(dir: string, args: string[], message: string | RegExp, over: Partial<IisCommandContext> = {}) {
    const before = snapshot(dir);
    const text = await refusal(() => runIisInstall(args, context(over)));
    expect(text).not.toContain('\n');
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
    expect(snapshot(dir)).toEqual(before);
  }

  it('a missing app module', async () => {
    const dir = appFolder();
    await refused(dir, ['--app', join(dir, 'nope.js'), '--physical-path', dir], `the app module ${join(dir, 'nope.js')} does not exist: build it first (compile TypeScript to .js), or fix --app`);
  });

  it('a DLL of the wrong bitness where the x64 one is expected', async () => {
    const dir = appFolder('odd.web.config');
    const packageRoot = fakePackage(win32Dll, false);
    const dll = join(packageRoot, 'prebuilds', 'win32-x64', 'isapi_node.dll');
    await refused(dir, ['--app', join(dir, 'app.js')], `${dll} is built for x86 (32-bit), but a 64-bit (x64) application pool cannot load it: use the 64-bit DLL, or --bitness 32`, { packageRoot });
    // The build ISAPI_WIN_BUILD names is checked the same way.
    process.env.ISAPI_WIN_BUILD = 'win32';
    await refused(dir, ['--app', join(dir, 'app.js')], `${win32Dll} is built for x86 (32-bit), but a 64-bit (x64) application pool cannot load it: use the 64-bit DLL, or --bitness 32`);
  });

  it('a physical path that cannot be written (under a file: ENOTDIR, even for root)', async () => {
    const dir = appFolder();
    await refused(dir, ['--app', join(dir, 'app.js'), '--physical-path', join(dir, 'app.js', 'site')], `the physical path ${join(dir, 'app.js', 'site')} cannot be used (ENOTDIR): give an existing folder with --physical-path`);
  });

  // chmod does not stop root from writing: the check is only meaningful for other users.
  it.skipIf(process.getuid?.() === 0)('a physical path without write permission', async () => {
    const dir = appFolder();
    chmodSync(dir, 0o555);
    try {
      await refused(dir, ['--app', join(dir, 'app.js')], `the physical path ${dir} is not writable: run as a user who may write there (an administrator on Windows)`);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it('a web.config that is not XML, with its line and column', async () => {
    const dir = appFolder('broken.web.config');
    await refused(dir, ['--app', join(dir, 'app.js')], `${join(dir, 'web.config')}:6:5: is not well-formed XML (</handler> closes <handlers> of line 4): fix it, nothing was changed`);
  });

  it('in process without the MSVC-built runtime', async () => {
    const dir = appFolder();
    await refused(dir, ['--app', join(dir, 'app.js'), '--hosting-model', 'inprocess'], /^--hosting-model inprocess needs isapi_node_inproc\.dll for x64 \(an MSVC build, which this package does not have in .*build\/win64\): use --hosting-model outofprocess, or build the runtime with MSVC \(see docs\/iis\.md\)$/);
  });

  it('in process without libnode.dll', async () => {
    const dir = appFolder();
    const packageRoot = fakePackage();
    rmSync(join(packageRoot, 'prebuilds', 'win32-x64', 'libnode.dll'));
    await refused(dir, ['--app', join(dir, 'app.js'), '--hosting-model', 'inprocess'], /needs libnode\.dll \(NuGet package Microsoft\.JavaScript\.LibNode\.win-x64\) .*: get it with `isapi-node libnode install --arch x64 --dest .*`/, { packageRoot });
  });

  it('an installation already there, or files it would overwrite', async () => {
    const dir = appFolder();
    writeFileSync(join(dir, 'isapi-node-install.json'), '{}');
    await refused(dir, ['--app', join(dir, 'app.js')], `isapi-node is already installed in ${dir} (isapi-node-install.json): run \`isapi-node iis-uninstall --physical-path ${dir}\` first`);
    const other = appFolder();
    writeFileSync(join(other, 'isapi_node.json'), '{"app": "mine.js"}');
    await refused(other, ['--app', join(other, 'app.js')], `${join(other, 'isapi_node.json')} exists already, and no isapi-node-install.json says iis-install put it there: move it away (or delete it) and run again`);
  });

  it('options of the wrong form', async () => {
    const dir = appFolder();
    const app = join(dir, 'app.js');
    await refused(dir, ['--app', app, '--bitness', '48'], '--bitness must be 32 or 64 (the application pool\'s), got "48"');
    await refused(dir, ['--app', app, '--virtualdir', 'shop'], /^--virtualdir must be \/ or a path like \/myapp/);
    await refused(dir, ['--app', app, '--virtualdir', '/a/../b'], /^--virtualdir must be/);
    await refused(dir, ['--app', app, '--workers', '2'], '--workers applies to --hosting-model inprocess (out of process, use --processes)');
    await refused(dir, ['--app', app, '--hosting-model', 'inprocess', '--processes', '2'], '--processes applies to --hosting-model outofprocess (in process, use --workers)');
    await refused(dir, ['--app', app, '--app-pool', 'a:b'], /^--app-pool must be a name/);
    await refused(dir, ['--app', app, '--max-body', '1e6'], '--max-body must be a whole number (the "maxRequestBodyBytes" key), got "1e6"');
    await refused(dir, [], '--app is required: the module whose app IIS is to serve');
  });
});

describe('iis-install on Windows (an appcmd that records its calls)', () => {
  it('runs each step, records it as run, and records the root pool it gives back', async () => {
    const dir = appFolder();
    const appcmd = fakeIis({ rootPath: dir });
    const ctx = context({ windows: true, appcmd });
    await runIisInstall(['--app', join(dir, 'app.js')], ctx);
    const record = JSON.parse(readFileSync(join(dir, 'isapi-node-install.json'), 'utf8')) as InstallRecord;
    expect(appcmd.calls).toEqual(record.appcmd.map((s) => s.args.join(' ')));
    expect(record.appcmd.every((s) => s.ran)).toBe(true);
    expect(record.appcmd[2].inverse).toEqual(['set', 'app', 'Default Web Site/', '/applicationPool:DefaultAppPool']);
    expect(ctx.lines.filter((l) => l.startsWith('run: '))).toHaveLength(4);
  });

  it('stops at the first failing step and undoes what was done, files too', async () => {
    const dir = appFolder('odd.web.config');
    const before = snapshot(dir);
    const appcmd = fakeIis({ failOn: 'add app /site.name' });
    const message = await refusal(() => runIisInstall(['--app', join(dir, 'app.js'), '--virtualdir', '/shop'], context({ windows: true, appcmd })));
    expect(message).toBe(
      `appcmd failed (exit code 4312): ${APPCMD} add app /site.name:"Default Web Site" /path:/shop /physicalPath:${dir}: ERROR ( message:Failed to commit configuration changes. Access is denied. ); ` +
        'what was done is undone (run it in an administrator\'s shell, with IIS\'s "ISAPI Extensions" feature installed)',
    );
    expect(appcmd.calls).toEqual([
      'add apppool /name:isapi-node Default Web Site shop /managedRuntimeVersion:',
      'set apppool isapi-node Default Web Site shop /enable32BitAppOnWin64:false',
      `add app /site.name:Default Web Site /path:/shop /physicalPath:${dir}`,
      'delete apppool isapi-node Default Web Site shop',
    ]);
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses, before changing anything, a pool that exists or a site root elsewhere', async () => {
    const dir = appFolder();
    const before = snapshot(dir);
    const taken = fakeIis({ poolExists: true });
    expect(await refusal(() => runIisInstall(['--app', join(dir, 'app.js'), '--virtualdir', '/x'], context({ windows: true, appcmd: taken })))).toBe(
      'the application pool "isapi-node Default Web Site x" exists already: name a new one with --app-pool (iis-install makes one per app)',
    );
    const elsewhere = fakeIis({ rootPath: 'C:\\inetpub\\wwwroot' });
    expect(await refusal(() => runIisInstall(['--app', join(dir, 'app.js')], context({ windows: true, appcmd: elsewhere })))).toMatch(
      /^the root of "Default Web Site" is C:\\inetpub\\wwwroot, not .*: give --physical-path C:\\inetpub\\wwwroot, or install into a virtual folder with --virtualdir \/NAME$/,
    );
    const denied = fakeIis({ denied: true });
    expect(await refusal(() => runIisInstall(['--app', join(dir, 'app.js')], context({ windows: true, appcmd: denied })))).toBe(
      `${APPCMD} list site "Default Web Site" failed (exit code 5): ERROR ( hresult:80070005, message:Command execution failed.: run iis-install in an administrator's shell on a machine with IIS`,
    );
    expect(taken.calls).toEqual([]);
    expect(elsewhere.calls).toEqual([]);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('isapi-node iis-install (the built CLI)', () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    expect(existsSync(cli), `${cli}: run npm run build:ts first`).toBe(true);
    return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ISAPI_WIN_BUILD: '', ...env } });
  };

  it('prints a dry run for a virtual folder and changes nothing', () => {
    const dir = appFolder('location.web.config');
    const before = snapshot(dir);
    const r = run(['iis-install', '--app', join(dir, 'app.js'), '--virtualdir', '/shop', '--site', 'Contoso', '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(-5)).toEqual([
      `${APPCMD} add apppool /name:"isapi-node Contoso shop" /managedRuntimeVersion:""`,
      `${APPCMD} set apppool "isapi-node Contoso shop" /enable32BitAppOnWin64:false`,
      `${APPCMD} add app /site.name:Contoso /path:/shop /physicalPath:${dir}`,
      `${APPCMD} set app Contoso/shop /applicationPool:"isapi-node Contoso shop"`,
      `${APPCMD} set config /section:system.webServer/security/isapiCgiRestriction /+"[path='${join(dir, 'isapi_node.dll')}',allowed='True',description='isapi-node']" /commit:apphost`,
    ]);
    expect(lines).toContain(`-                    <requestLimits maxUrl='8192' maxAllowedContentLength='1048576' />`);
    expect(lines).toContain(`+                    <requestLimits maxUrl='8192' maxAllowedContentLength='30000000' />`);
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a DLL of the wrong bitness with one line and exit code 2', () => {
    const dir = appFolder();
    const before = snapshot(dir);
    const r = run(['iis-install', '--app', join(dir, 'app.js')], { ISAPI_WIN_BUILD: 'win32' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`isapi-node: ${win32Dll} is built for x86 (32-bit), but a 64-bit (x64) application pool cannot load it: use the 64-bit DLL, or --bitness 32\n`);
    expect(snapshot(dir)).toEqual(before);
  });

  // Root writes through chmod 0555: as nobody, the permission check meets a folder it may not write.
  it.skipIf(process.getuid?.() !== 0 || !existsSync('/usr/bin/setpriv'))('refuses a physical path its user may not write (run as nobody)', () => {
    const dir = appFolder();
    chmodSync(dir, 0o555);
    const before = snapshot(dir);
    const r = spawnSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, 'iis-install', '--app', join(dir, 'app.js')], {
      encoding: 'utf8',
      env: { ...process.env, ISAPI_WIN_BUILD: '' },
    });
    expect(r.stderr).toBe(`isapi-node: the physical path ${dir} is not writable: run as a user who may write there (an administrator on Windows)\n`);
    expect(r.status).toBe(2);
    expect(snapshot(dir)).toEqual(before);
  });

  it('names iis-install and iis-uninstall in its help', () => {
    const r = run(['iis-install', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: isapi-node iis-install --app MODULE \[options\]/);
    const all = run(['--help']);
    expect(all.stdout).toMatch(/^  iis-install +put an app under IIS/m);
    expect(all.stdout).toMatch(/^  iis-uninstall +undo what iis-install recorded/m);
    expect(all.stdout).toContain('Usage: isapi-node iis-uninstall [--physical-path DIR] [--dry-run] [--force]');
  });
});
