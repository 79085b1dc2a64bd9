// `npm run prebuilds`: copies this machine's Release build of the native pieces into
// prebuilds/<platform>-<arch>/ with a manifest, the layout the CLI's resolver (lib/cli/binaries.ts)
// and the package use; and, where `npm run build:win` made them, the Windows binaries from
// build/win64 and build/win32 into prebuilds/win32-x64 and win32-ia32 (what `iis-install` copies).
// The binaries are stripped of debugging symbols; nothing is compiled here.
// (Not `prebuild`: npm would run a script of that name before every `npm run build`.)
//
//   node scripts/prebuilds.mjs [--build Release]
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { build: { type: 'string', default: 'Release' } } });
const build = join(root, 'build', values.build);
// The same roles and names as lib/cli/binaries.ts's NATIVE_FILES (read from the compiled CLI, so
// there is one list).
const { NATIVE_FILES, platformTag } = await import(join(root, 'dist', 'cli', 'binaries.js'));
const names = Object.values(NATIVE_FILES).map((n) => (process.platform === 'win32' ? n.win32 : n.posix));

for (const name of names) {
  if (!existsSync(join(build, name))) {
    console.error(`prebuilds: ${join(build, name)} is missing: build first (npm run build:native)`);
    process.exit(1);
  }
}

/** The libnode soname the in-process runtime needs, from its dynamic section. */
function libnodeNeeded(library) {
  const dynamic = execFileSync('readelf', ['-d', library], { encoding: 'utf8' });
  const needed = /\(NEEDED\)\s+Shared library: \[(libnode\.so\.\d+)\]/.exec(dynamic);
  if (!needed) throw new Error(`${library} does not link libnode`);
  return needed[1];
}

/** Node's major version from the libnode headers the runtime was built with. */
function nodeMajor() {
  const header = readFileSync(join(root, 'deps/libnode/usr/include/node/node_version.h'), 'utf8');
  return Number(/#define NODE_MAJOR_VERSION (\d+)/.exec(header)[1]);
}

const tag = platformTag();
const out = join(root, 'prebuilds', tag);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const name of names) {
  copyFileSync(join(build, name), join(out, name));
  execFileSync('strip', ['--strip-unneeded', join(out, name)]);
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const manifest = {
  package: pkg.name,
  version: pkg.version,
  platform: process.platform,
  arch: process.arch,
  libnode: libnodeNeeded(join(out, NATIVE_FILES.runtime.posix)),
  nodeMajor: nodeMajor(),
  files: names,
};
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
for (const name of names) console.log(`prebuilds: ${join('prebuilds', tag, name)} (${Math.round(statSync(join(out, name)).size / 1024)} KiB)`);
console.log(`prebuilds: ${manifest.libnode} (Node ${manifest.nodeMajor}) for the in-process runtime`);

// The Windows binaries cross-built with mingw-w64: the extension and the test host, and the
// in-process runtime where an MSVC build put one beside them. Each DLL's PE header must name the
// folder's machine. No libnode in their manifest: mingw builds have no in-process runtime.
const { readPeImage } = await import(join(root, 'dist', 'iis', 'pe.js'));
const windowsBuilds = [
  { build: 'win64', arch: 'x64', machine: 'x64', strip: 'x86_64-w64-mingw32-strip' },
  { build: 'win32', arch: 'ia32', machine: 'x86', strip: 'i686-w64-mingw32-strip' },
];
for (const { build: dir, arch, machine, strip } of windowsBuilds) {
  const from = join(root, 'build', dir);
  const winTag = platformTag('win32', arch);
  if (!existsSync(join(from, NATIVE_FILES.extension.win32)) || winTag === tag) continue;
  const files = Object.values(NATIVE_FILES).map((n) => n.win32).filter((name) => existsSync(join(from, name)));
  if (!files.includes(NATIVE_FILES.host.win32)) {
    console.error(`prebuilds: ${join(from, NATIVE_FILES.host.win32)} is missing: build it (npm run build:win)`);
    process.exit(1);
  }
  const winOut = join(root, 'prebuilds', winTag);
  rmSync(winOut, { recursive: true, force: true });
  mkdirSync(winOut, { recursive: true });
  for (const name of files) {
    const image = readPeImage(join(from, name));
    if (image instanceof Error || image.machine !== machine) {
      console.error(`prebuilds: ${join(from, name)} is ${image instanceof Error ? image.message : `built for ${image.machine}`}, not ${machine}: rebuild it (npm run build:win)`);
      process.exit(1);
    }
    copyFileSync(join(from, name), join(winOut, name));
    try {
      execFileSync(strip, ['--strip-unneeded', join(winOut, name)]);
    } catch {
      // Without mingw-w64's strip (a machine that only packs), the build's own stripping stands.
    }
  }
  const winManifest = { package: pkg.name, version: pkg.version, platform: 'win32', arch, files };
  writeFileSync(join(winOut, 'manifest.json'), `${JSON.stringify(winManifest, null, 2)}\n`);
  for (const name of files) console.log(`prebuilds: ${join('prebuilds', winTag, name)} (${Math.round(statSync(join(winOut, name)).size / 1024)} KiB)`);
}
