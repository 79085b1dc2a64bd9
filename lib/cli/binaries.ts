// Where the native pieces come from: a build in this checkout (build/Release, or the build
// ISAPI_BUILD names) or the binaries prebuilt into the package (prebuilds/<platform>-<arch>/, the
// folder rules of node-gyp-build). One resolver, so every command finds and reports the same ones.
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from './errors.js';

/** The package's root, seen from the compiled CLI (dist/cli/). */
export const packageRoot = resolve(__dirname, '..', '..');

/** The native pieces, by role: the extension IIS loads, the in-process runtime it loads, the test host. */
export const NATIVE_FILES = {
  extension: { posix: 'isapi_node.so', win32: 'isapi_node.dll' },
  runtime: { posix: 'isapi_node_inproc.so', win32: 'isapi_node_inproc.dll' },
  host: { posix: 'isapi-host', win32: 'isapi-host.exe' },
} as const;
export type NativeRole = keyof typeof NATIVE_FILES;

/** What `npm run prebuilds` writes beside the binaries, and what the resolver checks before using them. */
export interface PrebuildManifest {
  package: string;
  version: string;
  platform: string;
  arch: string;
  /**
   * The shared library the in-process runtime was linked against, e.g. "libnode.so.108". Absent
   * where the binaries have no in-process runtime (the Windows ones built with mingw-w64).
   */
  libnode?: string;
  /** Its Node major version. */
  nodeMajor?: number;
  files: string[];
}

export interface NativeBinaries {
  dir: string;
  kind: 'build' | 'prebuilt';
  manifest?: PrebuildManifest;
  file(role: NativeRole): string;
}

export const platformTag = (platform: string = process.platform, arch: string = process.arch) => `${platform}-${arch}`;

function fileName(role: NativeRole, platform: string): string {
  return platform === 'win32' ? NATIVE_FILES[role].win32 : NATIVE_FILES[role].posix;
}

function binaries(dir: string, kind: NativeBinaries['kind'], platform: string, manifest?: PrebuildManifest): NativeBinaries {
  return {
    dir,
    kind,
    manifest,
    file(role) {
      const file = join(dir, fileName(role, platform));
      if (!existsSync(file)) throw new CliError(`${file} is missing from the ${kind === 'build' ? 'build' : 'prebuilt binaries'}: ${kind === 'build' ? 'build it (npx isapi-node build)' : 'reinstall the package'}`);
      return file;
    },
  };
}

function readManifest(dir: string): PrebuildManifest {
  const file = join(dir, 'manifest.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PrebuildManifest;
  } catch (error) {
    throw new CliError(`the prebuilt binaries in ${dir} have no readable manifest.json (${(error as Error).message}): reinstall the package`);
  }
}

/** The version in the package.json at `root`. */
export function packageVersion(root: string = packageRoot): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The binaries to use: ISAPI_BUILD's build if set, else this checkout's Release build, else the
 * package's prebuilt ones for this platform. Refuses, saying why and what to do, binaries built
 * for another platform, architecture or version of the package.
 */
export function findBinaries(root: string = packageRoot, platform: string = process.platform, arch: string = process.arch): NativeBinaries {
  const named = process.env.ISAPI_BUILD;
  if (named) {
    const dir = join(root, 'build', named);
    if (!existsSync(dir)) throw new CliError(`ISAPI_BUILD=${named}, but ${dir} does not exist: build it first`);
    return binaries(dir, 'build', platform);
  }
  const build = join(root, 'build', 'Release');
  if (existsSync(join(build, fileName('extension', platform)))) return binaries(build, 'build', platform);

  const tag = platformTag(platform, arch);
  const dir = join(root, 'prebuilds', tag);
  if (!existsSync(dir)) {
    const prebuilds = join(root, 'prebuilds');
    const have = existsSync(prebuilds) ? readdirSync(prebuilds).sort() : [];
    throw new CliError(
      `no native binaries for ${tag}: the package has prebuilt ones for ${have.length ? have.join(', ') : 'no platform'}, and there is no build. ` +
        'Build them from source with `npx isapi-node build`.',
    );
  }
  const manifest = readManifest(dir);
  if (manifest.platform !== platform || manifest.arch !== arch) {
    throw new CliError(`the binaries in ${dir} were built for ${platformTag(manifest.platform, manifest.arch)}, not ${tag}: reinstall the package`);
  }
  const version = packageVersion(root);
  if (manifest.version !== version) {
    throw new CliError(`the binaries in ${dir} belong to isapi-node ${manifest.version}, the package is ${version}: reinstall the package`);
  }
  return binaries(dir, 'prebuilt', platform, manifest);
}

/**
 * Refuses an ISAPI_NODE_LIBNODE that is plainly another major version than the prebuilt runtime
 * was linked against (its file name says libnode.so.N with another N): the extension would fail
 * every request with libnode_missing, later and less clearly.
 */
export function checkLibnodeOverride(binaries: NativeBinaries, override: string | undefined): void {
  if (!override || !binaries.manifest) return;
  if (!existsSync(override)) throw new CliError(`ISAPI_NODE_LIBNODE names ${override}, which does not exist`);
  const named = /libnode\.so\.(\d+)/.exec(realpathSync(override))?.[0] ?? /libnode\.so\.(\d+)/.exec(override)?.[0];
  if (named && binaries.manifest.libnode && named !== binaries.manifest.libnode) {
    throw new CliError(
      `ISAPI_NODE_LIBNODE names ${named}, but the prebuilt in-process runtime needs ${binaries.manifest.libnode} (Node ${binaries.manifest.nodeMajor}): name that one, or build from source with \`npx isapi-node build\``,
    );
  }
}

/** The Windows architecture of an IIS application pool of this bitness, as Node names it. */
export const windowsArch = (bitness: 32 | 64) => (bitness === 64 ? 'x64' : 'ia32');

/**
 * The Windows binaries for an application pool of `bitness` (for `iis-install`, from any OS):
 * ISAPI_WIN_BUILD's build if set (a folder under build/, e.g. an MSVC build with the in-process
 * runtime), else this checkout's cross-build (build/win64, build/win32: `npm run build:win`), else
 * the package's prebuilt ones (prebuilds/win32-x64, win32-ia32), refused like findBinaries's when
 * they belong to another architecture or version. Whether each DLL really is for that
 * architecture is the caller's to check (lib/iis/pe.ts).
 */
export function findWindowsBinaries(bitness: 32 | 64, root: string = packageRoot): NativeBinaries {
  const extension = NATIVE_FILES.extension.win32;
  const named = process.env.ISAPI_WIN_BUILD;
  if (named) {
    const dir = join(root, 'build', named);
    if (!existsSync(join(dir, extension))) throw new CliError(`ISAPI_WIN_BUILD=${named}, but ${join(dir, extension)} does not exist: build it first, or unset ISAPI_WIN_BUILD`);
    return binaries(dir, 'build', 'win32');
  }
  const build = join(root, 'build', bitness === 64 ? 'win64' : 'win32');
  if (existsSync(join(build, extension))) return binaries(build, 'build', 'win32');

  const arch = windowsArch(bitness);
  const dir = join(root, 'prebuilds', platformTag('win32', arch));
  if (!existsSync(join(dir, extension))) {
    throw new CliError(
      `no ${extension} for ${bitness}-bit application pools: the package has no ${join('prebuilds', platformTag('win32', arch))} and this checkout no ${join('build', bitness === 64 ? 'win64' : 'win32')} ` +
        '(npm run build:win makes both). Reinstall the package, or choose the other --bitness.',
    );
  }
  const manifest = readManifest(dir);
  if (manifest.platform !== 'win32' || manifest.arch !== arch) {
    throw new CliError(`the binaries in ${dir} were built for ${platformTag(manifest.platform, manifest.arch)}, not ${platformTag('win32', arch)}: reinstall the package`);
  }
  const version = packageVersion(root);
  if (manifest.version !== version) {
    throw new CliError(`the binaries in ${dir} belong to isapi-node ${manifest.version}, the package is ${version}: reinstall the package`);
  }
  return binaries(dir, 'prebuilt', 'win32', manifest);
}
