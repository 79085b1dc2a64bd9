// `isapi-node libnode install`: the checks of a NuGet package and the installation of its
// libnode.dll, with small packages the tests make (test/iis/fixtures/libnode/zip.ts) around DLL
// heads of the right and the wrong machine. nuget.org itself is NOT reached: this machine has no
// internet access (lib/iis/libnode/nuget.ts says so too). The download code runs against a local
// server answering as NuGet's V3 protocol documents it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InstallError, installLibnode, normalizeSha512, PackageError, type InstallOptions } from '../../lib/iis/libnode/install.js';
import { compareVersions, DownloadError, pickVersion, type NugetFeed } from '../../lib/iis/libnode/nuget.js';
import { MAX_ENTRY_BYTES } from '../../lib/iis/libnode/package.js';
import { projectRoot } from '../support/build.js';
import { peHead, type Machine } from './fixtures/libnode/pe.js';
import { makeZip, type ZipEntry } from './fixtures/libnode/zip.js';

const cli = join(projectRoot, 'dist', 'cli', 'main.js');
const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

function nuspec(id: string, version = '20.1800.202'): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>${id}</id>
    <version>${version}</version>
    <authors>Microsoft</authors>
  </metadata>
</package>
`;
}

interface PackageSpec {
  /** The package id's architecture (default x64). */
  arch?: 'x64' | 'x86';
  /** The machine of the DLL inside (default: the package's). */
  machine?: Machine;
  /** Where the DLL is (default runtimes/win-<arch>/native/libnode.dll; null: none). */
  dllPath?: string | null;
  version?: string;
  /** Leave the .nuspec out. */
  noNuspec?: boolean;
  id?: string;
  extra?: ZipEntry[];
}

/** A .nupkg file as Microsoft.JavaScript.LibNode.win-<arch> lays itself out. */
function makePackage(spec: PackageSpec = {}): string {
  const arch = spec.arch ?? 'x64';
  const id = spec.id ?? `Microsoft.JavaScript.LibNode.win-${arch}`;
  const entries: ZipEntry[] = [
    { name: '_rels/.rels', data: '<Relationships />' },
    { name: '[Content_Types].xml', data: '<Types />' },
  ];
  if (!spec.noNuspec) entries.push({ name: `${id}.nuspec`, data: nuspec(id, spec.version) });
  const dllPath = spec.dllPath === undefined ? `runtimes/win-${arch}/native/libnode.dll` : spec.dllPath;
  if (dllPath !== null) entries.push({ name: dllPath, data: peHead(spec.machine ?? arch) });
  entries.push(...(spec.extra ?? []));
  const file = join(temp('isapi-libnode-pkg-'), `${id.toLowerCase()}.${spec.version ?? '20.1800.202'}.nupkg`);
  writeFileSync(file, makeZip(entries));
  return file;
}

const sha512 = (file: string, encoding: 'base64' | 'hex' = 'base64') => createHash('sha512').update(readFileSync(file)).digest(encoding);

async function install(options: Partial<InstallOptions> & { dest: string }) {
  const lines: string[] = [];
  const installed = await installLibnode({ log: (l) => lines.push(l), ...options });
  return { installed, lines };
}

/** Expects `promise` to refuse with `kind` and `message`, and `dest` to hold what it held before. */
async function expectRefused(dest: string, promise: Promise<unknown>, kind: typeof PackageError | typeof InstallError, message: string) {
  const before = readdirSync(dest).sort();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).message).toBe(message);
  expect(readdirSync(dest).sort()).toEqual(before);
}

describe('libnode install --from a package', () => {
  it('installs the x64 libnode.dll of an x64 package beside the extension, leaving no temporary file', async () => {
    const dest = temp('isapi-libnode-dest-');
    const from = makePackage();
    const { installed, lines } = await install({ dest, from });
    expect(installed).toEqual({
      file: join(dest, 'libnode.dll'),
      arch: 'x64',
      id: 'Microsoft.JavaScript.LibNode.win-x64',
      version: '20.1800.202',
      size: 1024,
      sha512: sha512(from),
      verified: 'not compared with anything: pass --sha512 to compare',
      replaced: undefined,
    });
    expect(readFileSync(join(dest, 'libnode.dll'))).toEqual(peHead('x64'));
    expect(readdirSync(dest)).toEqual(['libnode.dll']);
    expect(lines).toEqual([]);
  });

  it('takes the architecture of the isapi_node.dll already in the destination (x86)', async () => {
    const dest = temp('isapi-libnode-dest-');
    writeFileSync(join(dest, 'isapi_node.dll'), peHead('x86'));
    const { installed } = await install({ dest, from: makePackage({ arch: 'x86' }) });
    expect(installed.arch).toBe('x86');
    expect(readFileSync(join(dest, 'libnode.dll'))).toEqual(peHead('x86'));
  });

  it('refuses a package whose libnode.dll is built for another machine, writing nothing', async () => {
    const dest = temp('isapi-libnode-dest-');
    const from = makePackage({ machine: 'x86' });
    await expectRefused(
      dest,
      install({ dest, from }),
      PackageError,
      `runtimes/win-x64/native/libnode.dll in ${from} is built for x86, not x64: refused (the package is mislabelled or altered)`,
    );
  });

  it('refuses a package without libnode.dll', async () => {
    const dest = temp('isapi-libnode-dest-');
    const from = makePackage({ dllPath: null });
    await expectRefused(dest, install({ dest, from }), PackageError, `${from} holds no libnode.dll (expected at runtimes/win-x64/native/libnode.dll)`);
  });

  it('refuses a package with libnode.dll only for another architecture', async () => {
    const dest = temp('isapi-libnode-dest-');
    const from = makePackage({ dllPath: 'runtimes/win-x86/native/libnode.dll', machine: 'x86' });
    await expectRefused(dest, install({ dest, from }), PackageError, `${from} has no runtimes/win-x64/native/libnode.dll, only runtimes/win-x86/native/libnode.dll: not the package for x64`);
  });

  it('refuses a package with an entry whose path leaves it (..)', async () => {
    const dest = temp('isapi-libnode-dest-');
    const from = makePackage({ extra: [{ name: 'runtimes/win-x64/native/../../../../evil.dll', data: peHead('x64') }] });
    await expectRefused(
      dest,
      install({ dest, from }),
      PackageError,
      `${from} has an entry whose path leaves the package (invalid relative path: runtimes/win-x64/native/../../../../evil.dll): refused`,
    );
  });

  it('refuses a package with an absolute entry path', async () => {
    const dest = temp('isapi-libnode-dest-');
    const from = makePackage({ extra: [{ name: '/etc/evil', data: 'x' }] });
    await expectRefused(dest, install({ dest, from }), PackageError, `${from} has an entry whose path leaves the package (absolute path: /etc/evil): refused`);
  });

  it('refuses a file that is not a zip', async () => {
    const dest = temp('isapi-libnode-dest-');
    const from = join(temp('isapi-libnode-pkg-'), 'libnode.nupkg');
    writeFileSync(from, 'this is not a zip file at all, just text');
    const error = await install({ dest, from }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackageError);
    expect((error as Error).message).toMatch(new RegExp(`^${from.replace(/[.]/g, '\\.')} is not a zip, so not a NuGet package \\(.+\\)$`));
    expect(readdirSync(dest)).toEqual([]);
  });

  it('refuses an entry that says it unpacks to more than 200 MB (a zip bomb), before unpacking it', async () => {
    const dest = temp('isapi-libnode-dest-');
    const from = makePackage({ extra: [{ name: 'lib/big.bin', data: Buffer.alloc(1000), declaredSize: 300 * 1024 * 1024 }] });
    await expectRefused(dest, install({ dest, from }), PackageError, `${from}'s entry lib/big.bin would unpack to ${300 * 1024 * 1024} bytes (more than ${MAX_ENTRY_BYTES}): refused`);
  });

  it('refuses a libnode.dll whose data is longer than its entry says', async () => {
    const dest = temp('isapi-libnode-dest-');
    const from = makePackage({ dllPath: null, extra: [{ name: 'runtimes/win-x64/native/libnode.dll', data: peHead('x64'), declaredSize: 100 }] });
    const error = await install({ dest, from }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackageError);
    expect((error as Error).message).toMatch(/^cannot unpack runtimes\/win-x64\/native\/libnode\.dll from .*: too many bytes in the stream/);
    expect(readdirSync(dest)).toEqual([]);
  });

  it('refuses a zip that is not a NuGet package (no .nuspec), or another package', async () => {
    const dest = temp('isapi-libnode-dest-');
    const bare = makePackage({ noNuspec: true });
    await expectRefused(dest, install({ dest, from: bare }), PackageError, `${bare} has no .nuspec at its root: not a NuGet package`);
    const other = makePackage({ id: 'Microsoft.JavaScript.LibNode.win-x86' });
    await expectRefused(
      dest,
      install({ dest, from: other }),
      PackageError,
      `${other} is the package Microsoft.JavaScript.LibNode.win-x86 20.1800.202, not Microsoft.JavaScript.LibNode.win-x64: use that package for --arch x64`,
    );
  });

  it('compares the package with --sha512 (base64 or hex), refusing a mismatch', async () => {
    const dest = temp('isapi-libnode-dest-');
    const from = makePackage();
    const wrong = createHash('sha512').update('something else').digest('base64');
    await expectRefused(dest, install({ dest, from, sha512: wrong }), PackageError, `${from}'s SHA-512 is ${sha512(from)}, not ${wrong} (--sha512): refused`);
    const { installed } = await install({ dest, from, sha512: sha512(from, 'hex') });
    expect(installed.verified).toBe('matches --sha512');
    expect(normalizeSha512(sha512(from, 'hex'))).toBe(sha512(from));
    expect(normalizeSha512('abc')).toBeUndefined();
  });

  it('refuses a package of another version than --version', async () => {
    const dest = temp('isapi-libnode-dest-');
    const from = makePackage({ version: '18.20.0' });
    await expectRefused(dest, install({ dest, from, version: '20.1800.202' }), PackageError, `${from} is version 18.20.0, not 20.1800.202 (--version): refused`);
  });

  it('never replaces a libnode.dll of the other architecture without --force, and says what it replaces', async () => {
    const dest = temp('isapi-libnode-dest-');
    writeFileSync(join(dest, 'libnode.dll'), peHead('x86'));
    const from = makePackage();
    await expectRefused(
      dest,
      install({ dest, from, arch: 'x64' }),
      InstallError,
      `${join(dest, 'libnode.dll')} is already there (x86, 1024 bytes); installing the x64 one would replace it: pass --force to replace it`,
    );
    expect(readFileSync(join(dest, 'libnode.dll'))).toEqual(peHead('x86'));
    const { installed } = await install({ dest, from, arch: 'x64', force: true });
    expect(installed.replaced).toBe(`${join(dest, 'libnode.dll')} (x86, 1024 bytes)`);
    expect(readFileSync(join(dest, 'libnode.dll'))).toEqual(peHead('x64'));
  });

  it('replaces a libnode.dll of the same architecture, saying so', async () => {
    const dest = temp('isapi-libnode-dest-');
    writeFileSync(join(dest, 'libnode.dll'), Buffer.concat([peHead('x64'), Buffer.alloc(10)]));
    const { installed } = await install({ dest, from: makePackage() });
    expect(installed.replaced).toBe(`${join(dest, 'libnode.dll')} (x64, 1034 bytes)`);
    expect(readdirSync(dest)).toEqual(['libnode.dll']);
  });

  it('refuses an --arch that contradicts the isapi_node.dll in the destination', async () => {
    const dest = temp('isapi-libnode-dest-');
    writeFileSync(join(dest, 'isapi_node.dll'), peHead('x64'));
    await expectRefused(
      dest,
      install({ dest, from: makePackage({ arch: 'x86' }), arch: 'x86' }),
      InstallError,
      `${join(dest, 'isapi_node.dll')} is x64, so a libnode.dll for x86 would not load beside it: pass --arch x64, or put the x86 isapi_node.dll there first`,
    );
  });
});

describe('choosing the version on nuget.org (the download itself is untested here: no network)', () => {
  it('takes the latest stable version, in numeric order', () => {
    expect(pickVersion('X', ['18.20.0', '20.1800.202', '20.900.1', '22.0.0-preview.1', '9.0.0'])).toBe('20.1800.202');
    expect([...['1.0.0', '1.0.0-beta', '0.9.9', '1.0.0-alpha']].sort(compareVersions)).toEqual(['0.9.9', '1.0.0-alpha', '1.0.0-beta', '1.0.0']);
  });

  it('takes --version when nuget.org has it, and says which it has when not', () => {
    expect(pickVersion('X', ['1.0.0', '2.0.0-rc.1'], '2.0.0-RC.1')).toBe('2.0.0-rc.1');
    expect(() => pickVersion('X', ['1.0.0', '1.1.0'], '3.0.0')).toThrow(new DownloadError('nuget.org has no version 3.0.0 of X (the latest: 1.0.0, 1.1.0)'));
    expect(() => pickVersion('X', ['1.0.0-beta'])).toThrow(new DownloadError('nuget.org has no stable version of X (pass --version to take a pre-release)'));
  });
});

/** A local NuGet V3 feed: the flat container, gzipped registration leaves, catalog entries. */
async function localFeed(options: { versions: string[]; packages: Record<string, string>; hashes?: Record<string, string>; failPackage?: number }) {
  const id = 'microsoft.javascript.libnode.win-x64';
  let base = '';
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(url);
    const json = (body: unknown, gzip = false) => {
      const data = Buffer.from(JSON.stringify(body));
      res.writeHead(200, { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
      res.end(gzip ? gzipSync(data) : data);
    };
    let m: RegExpExecArray | null;
    if (url === `/flat/${id}/index.json`) return json({ versions: options.versions });
    if ((m = new RegExp(`^/flat/${id}/([^/]+)/${id}\\.([^/]+)\\.nupkg$`).exec(url)) && options.packages[m[1]]) {
      if (options.failPackage) {
        res.writeHead(options.failPackage);
        return res.end();
      }
      const data = readFileSync(options.packages[m[1]]);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      return res.end(data);
    }
    if ((m = new RegExp(`^/reg/${id}/([^/]+)\\.json$`).exec(url)) && options.hashes?.[m[1]]) return json({ catalogEntry: `${base}/catalog/${m[1]}.json` }, true);
    if ((m = /^\/catalog\/([^/]+)\.json$/.exec(url)) && options.hashes?.[m[1]]) return json({ packageHash: options.hashes[m[1]], packageHashAlgorithm: 'SHA512' });
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const feed: NugetFeed = { flatContainer: `${base}/flat`, registration: `${base}/reg` };
  return { feed, requests, host: new URL(base).host, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('libnode install from a NuGet feed (a local one: nuget.org is out of reach here)', () => {
  it('downloads the latest stable version, checks its SHA-512 against the catalog, and installs it', async () => {
    const pkg = makePackage();
    const local = await localFeed({ versions: ['18.20.0', '20.1800.202', '22.0.0-preview.1'], packages: { '20.1800.202': pkg }, hashes: { '20.1800.202': sha512(pkg) } });
    try {
      const dest = temp('isapi-libnode-dest-');
      const { installed, lines } = await install({ dest, feed: local.feed });
      expect(installed).toMatchObject({ file: join(dest, 'libnode.dll'), version: '20.1800.202', sha512: sha512(pkg), verified: "matches nuget.org's catalog" });
      expect(lines).toEqual([`looking up Microsoft.JavaScript.LibNode.win-x64 on ${local.host} ...`, 'downloading Microsoft.JavaScript.LibNode.win-x64 20.1800.202 ...']);
      expect(readdirSync(dest)).toEqual(['libnode.dll']);
      expect(local.requests).toEqual([
        '/flat/microsoft.javascript.libnode.win-x64/index.json',
        '/flat/microsoft.javascript.libnode.win-x64/20.1800.202/microsoft.javascript.libnode.win-x64.20.1800.202.nupkg',
        '/reg/microsoft.javascript.libnode.win-x64/20.1800.202.json',
        '/catalog/20.1800.202.json',
      ]);
    } finally {
      await local.close();
    }
  });

  it('refuses a download whose SHA-512 is not the catalog\'s, writing nothing', async () => {
    const pkg = makePackage();
    const recorded = createHash('sha512').update('the real package').digest('base64');
    const local = await localFeed({ versions: ['20.1800.202'], packages: { '20.1800.202': pkg }, hashes: { '20.1800.202': recorded } });
    try {
      const dest = temp('isapi-libnode-dest-');
      await expectRefused(
        dest,
        install({ dest, feed: local.feed }),
        PackageError,
        `the download's SHA-512 is ${sha512(pkg)}, but nuget.org's catalog records ${recorded} for Microsoft.JavaScript.LibNode.win-x64 20.1800.202: refused`,
      );
    } finally {
      await local.close();
    }
  });

  it('without a catalog entry, refuses unless --sha512 is given', async () => {
    const pkg = makePackage();
    const local = await localFeed({ versions: ['20.1800.202'], packages: { '20.1800.202': pkg } });
    try {
      const dest = temp('isapi-libnode-dest-');
      const what = 'reading the SHA-512 nuget.org records for Microsoft.JavaScript.LibNode.win-x64 20.1800.202';
      await expectRefused(
        dest,
        install({ dest, feed: local.feed }),
        PackageError,
        `${what}: nuget.org has no registration for it; without it the download cannot be checked: pass --sha512 with the hash nuget.org shows for Microsoft.JavaScript.LibNode.win-x64 20.1800.202`,
      );
      const { installed, lines } = await install({ dest, feed: local.feed, sha512: sha512(pkg) });
      expect(installed.verified).toBe('matches --sha512');
      expect(lines).toContain(`note: ${what}: nuget.org has no registration for it; comparing with --sha512 only`);
    } finally {
      await local.close();
    }
  });

  it('names HTTP errors, unknown packages and unknown versions', async () => {
    const local = await localFeed({ versions: ['20.1800.202'], packages: { '20.1800.202': makePackage() }, failPackage: 503 });
    try {
      const dest = temp('isapi-libnode-dest-');
      const url = `${local.feed.flatContainer}/microsoft.javascript.libnode.win-x64/20.1800.202/microsoft.javascript.libnode.win-x64.20.1800.202.nupkg`;
      await expect(install({ dest, feed: local.feed })).rejects.toThrow(
        new DownloadError(`downloading Microsoft.JavaScript.LibNode.win-x64 20.1800.202: HTTP 503 Service Unavailable from ${url}`),
      );
      await expect(install({ dest, feed: local.feed, version: '99.0.0' })).rejects.toThrow(
        new DownloadError('nuget.org has no version 99.0.0 of Microsoft.JavaScript.LibNode.win-x64 (the latest: 20.1800.202)'),
      );
      writeFileSync(join(dest, 'isapi_node.dll'), peHead('x86'));
      await expect(install({ dest, feed: local.feed })).rejects.toThrow(new DownloadError('nuget.org has no package Microsoft.JavaScript.LibNode.win-x86'));
      expect(readdirSync(dest)).toEqual(['isapi_node.dll']);
    } finally {
      await local.close();
    }
  });
});

describe('isapi-node libnode (the command, from dist/)', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [cli, 'libnode', ...args], { encoding: 'utf8', timeout: 60_000 });

  it('installs from --from into the folder of --config, printing what it did and how to build it instead', () => {
    const dest = temp('isapi-libnode-dest-');
    writeFileSync(join(dest, 'isapi_node.json'), '{"app": "app.js"}');
    const from = makePackage();
    const r = run(['install', '--from', from, '--config', join(dest, 'isapi_node.json')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      `installed ${join(dest, 'libnode.dll')} (x64, 1024 bytes) from Microsoft.JavaScript.LibNode.win-x64 20.1800.202`,
      `package SHA-512 (base64): ${sha512(from)}: not compared with anything: pass --sha512 to compare`,
      "the in-process runtime checks Node's version in it when it loads it (isapi-node doctor checks the rest)",
      'to build libnode.dll from Node\'s sources instead: in a checkout of Node at the version the in-process runtime was built for, run "vcbuild.bat dll x64" and copy out\\Release\\libnode.dll here',
    ]);
  });

  it('exits 1 on a refused package, saying nothing was written', () => {
    const dest = temp('isapi-libnode-dest-');
    const from = makePackage({ machine: 'x86' });
    const r = run(['install', '--from', from, '--dest', dest]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `isapi-node: libnode install refused: runtimes/win-x64/native/libnode.dll in ${from} is built for x86, not x64: refused (the package is mislabelled or altered); nothing was written\n`,
    );
    expect(readdirSync(dest)).toEqual([]);
  });

  it('exits 2 on bad usage', () => {
    expect(run(['install', '--arch', 'arm64']).stderr).toBe('isapi-node: --arch must be x64 or x86 (the application pool\'s), got "arm64"\n');
    const r = run(['fetch']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('isapi-node: libnode takes one action, "install" (isapi-node libnode install --help), got "fetch"\n');
    expect(run(['install', '--sha512', 'abc']).status).toBe(2);
  });
});
