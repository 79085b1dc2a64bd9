// iis-uninstall: undoes exactly what the install record says, byte for byte, and refuses (changing
// nothing) where the files were changed by hand since; on Windows the inverse appcmd lines run in
// reverse order, elsewhere they are printed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runIisInstall } from '../../lib/cli/iis-install.js';
import { runIisUninstall } from '../../lib/cli/iis-uninstall.js';
import type { InstallRecord } from '../../lib/iis/install-record.js';
import { APPCMD, appFolder, cli, context, fakeIis, fixtures, refusal, snapshot } from './fixtures/install/support.js';

const record = (dir: string) => JSON.parse(readFileSync(join(dir, 'isapi-node-install.json'), 'utf8')) as InstallRecord;

async function installed(webConfig?: string, args: string[] = []): Promise<{ dir: string; before: Record<string, string> }> {
  const dir = appFolder(webConfig);
  const before = snapshot(dir);
  await runIisInstall(['--app', join(dir, 'app.js'), ...args], context());
  expect(snapshot(dir)).not.toEqual(before);
  return { dir, before };
}

describe('iis-uninstall', () => {
  for (const fixture of ['odd.web.config', 'location.web.config', 'reinstall.web.config']) {
    it(`gives ${fixture} back byte for byte and removes the files the install created`, async () => {
      const { dir, before } = await installed(fixture, ['--virtualdir', '/shop']);
      const ctx = context();
      expect(await runIisUninstall(['--physical-path', dir], ctx)).toBe(0);
      expect(snapshot(dir)).toEqual(before);
      expect(readFileSync(join(dir, 'web.config')).equals(readFileSync(join(fixtures, fixture)))).toBe(true);
      // The inverse lines, latest first, printed since this is not Windows.
      expect(ctx.lines.filter((l) => l.startsWith('would run: '))).toEqual([
        `would run: ${APPCMD} set config /section:system.webServer/security/isapiCgiRestriction /-"[path='${join(dir, 'isapi_node.dll')}']" /commit:apphost`,
        `would run: ${APPCMD} delete app "Default Web Site/shop"`,
        `would run: ${APPCMD} delete apppool "isapi-node Default Web Site shop"`,
      ]);
    });
  }

  it('deletes a web.config the install created', async () => {
    const { dir, before } = await installed();
    expect(existsSync(join(dir, 'web.config'))).toBe(true);
    const ctx = context();
    await runIisUninstall(['--physical-path', dir], ctx);
    expect(snapshot(dir)).toEqual(before);
    expect(Object.keys(before)).toEqual(['app.js']);
    expect(ctx.lines).toContain('+++ /dev/null');
  });

  it('refuses a web.config changed since the install, unless --force', async () => {
    const { dir, before } = await installed('odd.web.config');
    const edited = readFileSync(join(dir, 'web.config'), 'utf8').replace('</configuration>', '  <appSettings/>\r\n</configuration>');
    writeFileSync(join(dir, 'web.config'), edited);
    const now = snapshot(dir);
    expect(await refusal(() => runIisUninstall(['--physical-path', dir], context()))).toBe(
      `${join(dir, 'web.config')} was changed since the install, so restoring it would lose that: nothing was changed. Save what you need and run again with --force, or undo the install by hand`,
    );
    expect(snapshot(dir)).toEqual(now);
    const ctx = context();
    await runIisUninstall(['--physical-path', dir, '--force'], ctx);
    expect(snapshot(dir)).toEqual(before);
    expect(ctx.lines).toContain(`note: --force: ${join(dir, 'web.config')} is given back as it was before the install, although changed since`);
  });

  it('refuses to delete a created file changed by hand, naming it', async () => {
    const { dir } = await installed();
    writeFileSync(join(dir, 'isapi_node.json'), '{"app": "app.js", "workers": 2}\n');
    const now = snapshot(dir);
    expect(await refusal(() => runIisUninstall(['--physical-path', dir], context()))).toBe(
      `${join(dir, 'isapi_node.json')} was changed by hand since the install (it is not what iis-install wrote), so it is not deleted: nothing was changed. Save what you need and run again with --force, or undo the install by hand`,
    );
    expect(snapshot(dir)).toEqual(now);
  });

  it('prints a dry run and changes nothing', async () => {
    const { dir } = await installed('location.web.config');
    const now = snapshot(dir);
    const ctx = context();
    await runIisUninstall(['--physical-path', dir, '--dry-run'], ctx);
    expect(snapshot(dir)).toEqual(now);
    expect(ctx.lines).toContain('dry run: nothing is changed');
    expect(ctx.lines).toContain(`-                <add name="isapi-node" path="*" verb="*" modules="IsapiModule" scriptProcessor="${join(dir, 'isapi_node.dll')}" resourceType="Unspecified" requireAccess="Script" preCondition="bitness64"/>`);
    expect(ctx.lines.some((l) => l.startsWith(`delete ${join(dir, 'isapi_node.dll')} (`))).toBe(true);
    expect(ctx.lines.slice(-3)).toEqual([
      `${APPCMD} set config /section:system.webServer/security/isapiCgiRestriction /-"[path='${join(dir, 'isapi_node.dll')}']" /commit:apphost`,
      `${APPCMD} set app "Default Web Site/" /applicationPool:"<the pool it had>"`,
      `${APPCMD} delete apppool "isapi-node Default Web Site"`,
    ]);
  });

  it('says there is nothing to undo where no install was recorded', async () => {
    const dir = appFolder();
    expect(await refusal(() => runIisUninstall(['--physical-path', dir], context()))).toBe(
      `there is no isapi-node-install.json in ${dir}: nothing was installed there by iis-install (give its --physical-path)`,
    );
  });

  it('notes a created file that is gone already and undoes the rest', async () => {
    const { dir, before } = await installed();
    rmSync(join(dir, 'isapi_node.dll'));
    const ctx = context();
    await runIisUninstall(['--physical-path', dir], ctx);
    expect(snapshot(dir)).toEqual(before);
    expect(ctx.lines).toContain(`note: ${join(dir, 'isapi_node.dll')} is gone already`);
  });
});

describe('iis-uninstall on Windows (an appcmd that records its calls)', () => {
  it('runs the inverses of the steps that ran, latest first, then restores the files', async () => {
    const dir = appFolder('odd.web.config');
    const before = snapshot(dir);
    await runIisInstall(['--app', join(dir, 'app.js')], context({ windows: true, appcmd: fakeIis({ rootPath: dir }) }));
    const appcmd = fakeIis();
    await runIisUninstall(['--physical-path', dir], context({ windows: true, appcmd }));
    expect(appcmd.calls).toEqual([
      `set config /section:system.webServer/security/isapiCgiRestriction /-[path='${join(dir, 'isapi_node.dll')}'] /commit:apphost`,
      'set app Default Web Site/ /applicationPool:DefaultAppPool',
      'delete apppool isapi-node Default Web Site',
    ]);
    expect(snapshot(dir)).toEqual(before);
  });

  it('stops at a failing inverse, keeps the files, and records how far it got', async () => {
    const dir = appFolder();
    await runIisInstall(['--app', join(dir, 'app.js'), '--virtualdir', '/shop'], context({ windows: true, appcmd: fakeIis() }));
    const installedFiles = snapshot(dir);
    const appcmd = fakeIis({ failOn: 'delete app ' });
    const message = await refusal(() => runIisUninstall(['--physical-path', dir], context({ windows: true, appcmd })));
    expect(message).toMatch(/^appcmd failed \(exit code 4312\): .* delete app "Default Web Site\/shop": ERROR .*; the steps undone so far are recorded, no file was changed: fix the cause and run iis-uninstall again$/);
    // The restriction is removed (recorded as not run any more); the app and pool are still there.
    expect(record(dir).appcmd.map((s) => s.ran)).toEqual([true, true, true, true, false]);
    expect(Object.keys(snapshot(dir))).toEqual(Object.keys(installedFiles));
    // Once fixed, a second run undoes the rest, and only the rest.
    const retry = fakeIis();
    await runIisUninstall(['--physical-path', dir], context({ windows: true, appcmd: retry }));
    expect(retry.calls).toEqual(['delete app Default Web Site/shop', 'delete apppool isapi-node Default Web Site shop']);
    expect(Object.keys(snapshot(dir))).toEqual(['app.js']);
  });
});

describe('isapi-node iis-install and iis-uninstall (the built CLI)', () => {
  it('installs into a folder with a web.config and uninstalls to the same bytes', () => {
    expect(existsSync(cli), `${cli}: run npm run build:ts first`).toBe(true);
    const dir = appFolder('odd.web.config');
    const before = snapshot(dir);
    const env = { ...process.env, ISAPI_WIN_BUILD: '' };
    const install = spawnSync(process.execPath, [cli, 'iis-install', '--app', join(dir, 'app.js'), '--virtualdir', '/shop', '--bitness', '32'], { encoding: 'utf8', env });
    expect(install.stderr).toBe('');
    expect(install.status).toBe(0);
    expect(install.stdout).toContain(`would run: ${APPCMD} set apppool "isapi-node Default Web Site shop" /enable32BitAppOnWin64:true`);
    expect(record(dir).options).toMatchObject({ bitness: 32, virtualDir: '/shop' });
    const uninstall = spawnSync(process.execPath, [cli, 'iis-uninstall'], { encoding: 'utf8', env, cwd: dir });
    expect(uninstall.stderr).toBe('');
    expect(uninstall.status).toBe(0);
    expect(snapshot(dir)).toEqual(before);
    const again = spawnSync(process.execPath, [cli, 'iis-uninstall', '--physical-path', dir], { encoding: 'utf8', env });
    expect(again.status).toBe(2);
    expect(again.stderr).toBe(`isapi-node: there is no isapi-node-install.json in ${dir}: nothing was installed there by iis-install (give its --physical-path)\n`);
  });
});
