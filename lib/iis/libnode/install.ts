// `isapi-node libnode install`: puts libnode.dll where the extension looks for it (beside
// isapi_node.dll), from NuGet's Microsoft.JavaScript.LibNode.win-<arch> package (downloaded from
// nuget.org, or a .nupkg given), after checking the package (./package.ts) and its SHA-512. The
// DLL is unpacked to a temporary file in the destination and renamed over libnode.dll only once it
// has passed every check; a libnode.dll of the other architecture is never replaced silently.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { EXTENSION_DLL, LIBNODE_DLL } from '../names.js';
import { readPeImage } from '../pe.js';
import { downloadPackage, listVersions, NUGET_ORG, pickVersion, registryHash, type NugetFeed } from './nuget.js';
import { extractLibnode, libnodePackageId, PackageError, type LibnodeArch } from './package.js';

export { PackageError } from './package.js';
export { DownloadError } from './nuget.js';

/** A refusal about the destination or the options (not the package). */
export class InstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstallError';
  }
}

export interface InstallOptions {
  /** --arch; default: isapi_node.dll's in `dest`, else x64. */
  arch?: LibnodeArch;
  /** The folder of isapi_node.dll. */
  dest: string;
  /** --version: the package version (default: the latest stable one on nuget.org). */
  version?: string;
  /** --from: a .nupkg on disk instead of nuget.org. */
  from?: string;
  /** --sha512: the package's expected SHA-512, base64 (as NuGet shows it) or hex. */
  sha512?: string;
  /** --force: replace a libnode.dll of the other architecture. */
  force?: boolean;
  /** Progress and result lines. */
  log: (line: string) => void;
  /** The feed to download from (nuget.org; the tests' local server). */
  feed?: NugetFeed;
}

export interface Installed {
  file: string;
  arch: LibnodeArch;
  id: string;
  version: string;
  size: number;
  /** The package's SHA-512 (base64) … */
  sha512: string;
  /** … and what it was compared with. */
  verified: string;
  /** What the file replaced, if anything. */
  replaced?: string;
}

/** A SHA-512 given as base64 or hex, as base64; undefined when it is neither. */
export function normalizeSha512(text: string): string | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{128}$/.test(t)) return Buffer.from(t, 'hex').toString('base64');
  if (/^[A-Za-z0-9+/]{86}==$/.test(t)) return t;
  return undefined;
}

async function sha512Of(file: string): Promise<string> {
  const hash = createHash('sha512');
  await pipeline(createReadStream(file), hash);
  return hash.digest('base64');
}

/** The architecture to install: the one asked for, checked against isapi_node.dll in `dest`. */
function chooseArch(dest: string, asked: LibnodeArch | undefined, log: (line: string) => void): LibnodeArch {
  const extFile = join(dest, EXTENSION_DLL);
  if (!existsSync(extFile)) return asked ?? 'x64';
  const ext = readPeImage(extFile);
  if (ext instanceof Error || (ext.machine !== 'x64' && ext.machine !== 'x86')) {
    log(`note: ${extFile} is not an x64 or x86 DLL (${ext instanceof Error ? ext.message : ext.machine}); its architecture is not compared`);
    return asked ?? 'x64';
  }
  const machine = ext.machine as LibnodeArch;
  if (asked && asked !== machine) {
    throw new InstallError(
      `${extFile} is ${machine}, so a libnode.dll for ${asked} would not load beside it: pass --arch ${machine}, or put the ${asked} ${EXTENSION_DLL} there first`,
    );
  }
  return machine;
}

/** What a libnode.dll already in `dest` is, refusing to replace one of another architecture without --force. */
function existingLibnode(file: string, arch: LibnodeArch, force: boolean): string | undefined {
  if (!existsSync(file)) return undefined;
  const size = statSync(file).size;
  const image = readPeImage(file);
  const what = image instanceof Error ? `not a Windows DLL, ${size} bytes` : `${image.machine}, ${size} bytes`;
  if (!force && (image instanceof Error || image.machine !== arch)) {
    throw new InstallError(`${file} is already there (${what}); installing the ${arch} one would replace it: pass --force to replace it`);
  }
  return `${file} (${what})`;
}

export async function installLibnode(options: InstallOptions): Promise<Installed> {
  const { dest, log } = options;
  if (!existsSync(dest) || !statSync(dest).isDirectory()) throw new InstallError(`the destination ${dest} is not a folder: pass --dest with the folder of ${EXTENSION_DLL}`);
  const expected = options.sha512 === undefined ? undefined : normalizeSha512(options.sha512);
  if (options.sha512 !== undefined && !expected) throw new InstallError(`--sha512 must be a SHA-512 in base64 (88 characters, as nuget.org shows it) or hex (128 digits)`);

  const arch = chooseArch(dest, options.arch, log);
  const id = libnodePackageId(arch);
  const final = join(dest, LIBNODE_DLL);
  const replaces = existingLibnode(final, arch, options.force ?? false);

  let packageFile: string;
  let downloadDir: string | undefined;
  let sha512: string;
  let verified: string;
  try {
    if (options.from) {
      packageFile = options.from;
      if (!existsSync(packageFile)) throw new InstallError(`--from names ${packageFile}, which does not exist`);
      sha512 = await sha512Of(packageFile);
      if (expected && expected !== sha512) throw new PackageError(`${packageFile}'s SHA-512 is ${sha512}, not ${expected} (--sha512): refused`);
      verified = expected ? 'matches --sha512' : 'not compared with anything: pass --sha512 to compare';
    } else {
      const feed = options.feed ?? NUGET_ORG;
      log(`looking up ${id} on ${new URL(feed.flatContainer).host} ...`);
      const version = pickVersion(id, await listVersions(id, feed), options.version);
      downloadDir = mkdtempSync(join(tmpdir(), 'isapi-node-libnode-'));
      packageFile = join(downloadDir, `${id.toLowerCase()}.${version.toLowerCase()}.nupkg`);
      log(`downloading ${id} ${version} ...`);
      const downloaded = await downloadPackage(id, version, packageFile, feed);
      sha512 = downloaded.sha512;
      let recorded: string | undefined;
      try {
        recorded = await registryHash(id, version, feed);
      } catch (error) {
        if (!expected) throw new PackageError(`${(error as Error).message}; without it the download cannot be checked: pass --sha512 with the hash nuget.org shows for ${id} ${version}`);
        log(`note: ${(error as Error).message}; comparing with --sha512 only`);
      }
      if (recorded && recorded !== sha512) throw new PackageError(`the download's SHA-512 is ${sha512}, but nuget.org's catalog records ${recorded} for ${id} ${version}: refused`);
      if (expected && expected !== sha512) throw new PackageError(`the download's SHA-512 is ${sha512}, not ${expected} (--sha512): refused`);
      verified = [recorded && "matches nuget.org's catalog", expected && 'matches --sha512'].filter(Boolean).join(' and ');
    }

    const temp = join(dest, `.${LIBNODE_DLL}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const checked = await extractLibnode(packageFile, arch, temp);
    try {
      if (options.from && options.version && checked.version.toLowerCase() !== options.version.toLowerCase()) {
        throw new PackageError(`${packageFile} is version ${checked.version}, not ${options.version} (--version): refused`);
      }
      try {
        renameSync(temp, final);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPERM' || code === 'EBUSY' || code === 'EACCES') {
          throw new InstallError(`cannot replace ${final} (${code}): IIS may have it loaded; stop the application pool (or run iisreset /stop), then run this again`);
        }
        throw error;
      }
    } catch (error) {
      if (existsSync(temp)) unlinkSync(temp);
      throw error;
    }
    return { file: final, arch, id: checked.id, version: checked.version, size: checked.size, sha512, verified, replaced: replaces };
  } finally {
    if (downloadDir) rmSync(downloadDir, { recursive: true, force: true });
  }
}

/** The one line on building libnode.dll from Node's sources instead. */
export const buildFromSourceHint = (arch: LibnodeArch) =>
  `to build libnode.dll from Node's sources instead: in a checkout of Node at the version the in-process runtime was built for, run "vcbuild.bat dll ${arch}" and copy out\\Release\\libnode.dll here`;
