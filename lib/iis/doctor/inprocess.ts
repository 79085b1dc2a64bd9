// The in-process checks: the runtime's JavaScript (dist/runtime/bootstrap.cjs, bootstrap_missing),
// on Windows the in-process runtime DLL and libnode.dll beside the extension, of its bitness; on
// Linux the libnode the runtime was linked against, where the loader would find it
// (libnode_missing).
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { findBinaries } from '../../cli/binaries.js';
import { EXTENSION_DLL, INPROCESS_DLL, LIBNODE_DLL } from '../names.js';
import { readPeImage, type PeImage } from '../pe.js';
import { readElfDynamic } from './elf.js';
import { checkPackageFile } from './outofprocess.js';
import type { CheckResult, DoctorContext } from './types.js';
import { windows } from './types.js';

export const checkBootstrap = (ctx: DoctorContext) => checkPackageFile(ctx, 'bootstrap', ['dist', 'runtime', 'bootstrap.cjs'], 'bootstrap_missing');

const OUT_OF_PROCESS_HINT = 'or set "hostingModel": "outofprocess" to run your own node instead';

/** isapi_node.dll beside the configuration: its image, an Error, or undefined when absent. */
export function extensionImage(ctx: DoctorContext): PeImage | Error | undefined {
  const file = join(ctx.dir, EXTENSION_DLL);
  return existsSync(file) ? readPeImage(file) : undefined;
}

export const describeImage = (image: PeImage) => `${image.machine} (${image.bitness}-bit)`;

/** The architecture a DLL for this installation must have: the extension's, else the pool's, else x64. */
export function expectedArch(ctx: DoctorContext): 'x64' | 'x86' {
  const ext = extensionImage(ctx);
  if (ext && !(ext instanceof Error)) return ext.bitness === 32 ? 'x86' : 'x64';
  return ctx.bitness === 32 ? 'x86' : 'x64';
}

/** A DLL that must sit beside the extension with its bitness: its image when it does, else the failing result. */
function dllProblem(ctx: DoctorContext, check: string, file: string, missing: string, missingFix: string, replaceFix: string): CheckResult | PeImage {
  if (!existsSync(file)) return { check, status: 'fail', line: missing, fix: missingFix };
  const image = readPeImage(file);
  if (image instanceof Error) return { check, status: 'fail', line: image.message, fix: replaceFix };
  const ext = extensionImage(ctx);
  if (ext && !(ext instanceof Error) && ext.bitness !== image.bitness) {
    return { check, status: 'fail', line: `${basename(file)} is ${describeImage(image)}, but ${EXTENSION_DLL} is ${describeImage(ext)}: it cannot load it`, fix: replaceFix };
  }
  return image;
}

/** Windows: isapi_node_inproc.dll beside the extension (the extension loads it from its own folder). */
export function checkRuntime(ctx: DoctorContext): CheckResult | null {
  if (!windows(ctx)) return null;
  const check = 'runtime';
  const arch = expectedArch(ctx);
  const fix =
    `put the ${arch} ${INPROCESS_DLL} (an MSVC build; isapi-node iis-install --hosting-model inprocess copies it from a package that has one) ` +
    `beside the extension, ${OUT_OF_PROCESS_HINT}`;
  const found = dllProblem(ctx, check, join(ctx.dir, INPROCESS_DLL), `runtime_failed: ${INPROCESS_DLL} is not in ${ctx.dir}`, fix, fix);
  if ('status' in found) return found;
  return { check, status: 'ok', line: `${INPROCESS_DLL} is ${describeImage(found)}, beside ${EXTENSION_DLL}` };
}

export function checkLibnode(ctx: DoctorContext): CheckResult {
  return windows(ctx) ? checkLibnodeWindows(ctx) : checkLibnodePosix(ctx);
}

function checkLibnodeWindows(ctx: DoctorContext): CheckResult {
  const check = 'libnode';
  const arch = expectedArch(ctx);
  const install = `isapi-node libnode install --arch ${arch} --dest "${ctx.dir}"`;
  const named = ctx.config.libnode;
  const file = named ?? join(ctx.dir, LIBNODE_DLL);
  const found = dllProblem(
    ctx,
    check,
    file,
    named ? `libnode_missing: ${named}, named by ${ctx.config.libnodeNamedBy}, does not exist` : `libnode_missing: ${LIBNODE_DLL} is not in ${ctx.dir}`,
    named
      ? `name an existing libnode.dll there, or remove the name and run ${install}`
      : `run ${install} (NuGet's Microsoft.JavaScript.LibNode.win-${arch}), ${OUT_OF_PROCESS_HINT}`,
    `run ${install} --force`,
  );
  if ('status' in found) return found;
  return {
    check,
    status: 'ok',
    line: `${named ? `${named} (named by ${ctx.config.libnodeNamedBy})` : `${LIBNODE_DLL} beside ${EXTENSION_DLL}`} is ${describeImage(found)}; its Node version is checked when the runtime loads it`,
  };
}

const SONAME = /libnode\.so\.(\d+)/;

/** Linux: which libnode the in-process runtime needs, and whether the loader would find it. */
function checkLibnodePosix(ctx: DoctorContext): CheckResult {
  const check = 'libnode';
  const runtime = posixRuntime(ctx);
  const needed = runtime instanceof Error ? undefined : runtime.needed;
  const neededShown = needed ?? 'the libnode the runtime was built against';
  const debianPackage = needed ? `libnode${SONAME.exec(needed)![1]}` : 'libnode108';
  const fix =
    `install Debian's ${debianPackage} package, or name ${neededShown} with "libnode" in the configuration or ISAPI_NODE_LIBNODE; ` +
    `in a checkout, npm run setup unpacks it into deps/; ${OUT_OF_PROCESS_HINT}`;

  const named = ctx.config.libnode;
  if (named) {
    if (!existsSync(named)) return { check, status: 'fail', line: `libnode_missing: ${named}, named by ${ctx.config.libnodeNamedBy}, does not exist`, fix };
    const soname = SONAME.exec(realpathSync(named))?.[0] ?? SONAME.exec(named)?.[0];
    if (needed && soname && soname !== needed) {
      return {
        check,
        status: 'fail',
        line: `libnode_missing: ${ctx.config.libnodeNamedBy} names ${soname}, but the in-process runtime needs ${needed}`,
        fix: `name ${needed} instead, or build the runtime against ${soname} (npx isapi-node build)`,
      };
    }
    return { check, status: 'ok', line: `${named} (named by ${ctx.config.libnodeNamedBy})${needed ? `, for ${needed}` : ''}` };
  }
  if (runtime instanceof Error) {
    return { check, status: 'warn', line: `cannot tell which libnode the in-process runtime needs: ${runtime.message}`, fix: 'build the native pieces (npx isapi-node build) or reinstall the package' };
  }
  const dirs = libraryDirs(runtime.runpath, dirname(runtime.file), ctx.env);
  const dir = dirs.find((d) => existsSync(join(d, runtime.needed)));
  if (dir) return { check, status: 'ok', line: `${runtime.needed} (needed by ${basename(runtime.file)}) is in ${dir}` };
  return { check, status: 'fail', line: `libnode_missing: ${runtime.needed}, which ${runtime.file} needs, is in none of the ${dirs.length} library folders the loader searches`, fix };
}

interface PosixRuntime {
  file: string;
  needed: string;
  runpath: string[];
}

/** The in-process runtime beside the configuration, else the package's (a build, or the prebuilt one). */
function posixRuntime(ctx: DoctorContext): PosixRuntime | Error {
  let file = join(ctx.dir, 'isapi_node_inproc.so');
  let manifestLibnode: string | undefined;
  if (!existsSync(file)) {
    try {
      const binaries = findBinaries(ctx.ownRoot);
      file = binaries.file('runtime');
      manifestLibnode = binaries.manifest?.libnode;
    } catch (error) {
      return error as Error;
    }
  }
  const dynamic = readElfDynamic(file);
  const needed = dynamic instanceof Error ? manifestLibnode : (dynamic.needed.find((n) => SONAME.test(n)) ?? manifestLibnode);
  if (!needed) return dynamic instanceof Error ? dynamic : new Error(`${file} does not link a libnode`);
  return { file, needed, runpath: dynamic instanceof Error ? [] : dynamic.runpath };
}

const TRIPLETS: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', ia32: 'i386-linux-gnu', arm: 'arm-linux-gnueabihf' };

/** The folders the dynamic loader searches: the runtime's RUNPATH, LD_LIBRARY_PATH, ld.so.conf, the defaults. */
export function libraryDirs(runpath: string[], origin: string, env: NodeJS.ProcessEnv): string[] {
  const triplet = TRIPLETS[process.arch];
  const dirs = [
    ...runpath.map((d) => resolve(d.replace(/\$(ORIGIN|\{ORIGIN\})/g, origin))),
    ...(env.LD_LIBRARY_PATH ?? '').split(':'),
    ...ldSoConf('/etc/ld.so.conf', 0),
    ...(triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : []),
    '/lib',
    '/usr/lib',
    '/lib64',
    '/usr/lib64',
  ].filter((d) => d !== '');
  return [...new Set(dirs)];
}

/** The folders an ld.so.conf lists, following its `include` globs (a `*` in the last part only). */
function ldSoConf(file: string, depth: number): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const dirs: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const include = /^include\s+(.+)$/.exec(line);
    if (!include) {
      dirs.push(line);
      continue;
    }
    if (depth > 4) continue;
    const pattern = include[1].startsWith('/') ? include[1] : join(dirname(file), include[1]);
    const folder = dirname(pattern);
    const glob = new RegExp(`^${basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    let names: string[] = [];
    try {
      names = readdirSync(folder).filter((n) => glob.test(n)).sort();
    } catch {
      // no such folder
    }
    for (const name of names) {
      const included = join(folder, name);
      let isFile = false;
      try {
        isFile = statSync(included).isFile();
      } catch {
        // a dangling link
      }
      if (isFile) dirs.push(...ldSoConf(included, depth + 1));
    }
  }
  return dirs;
}
