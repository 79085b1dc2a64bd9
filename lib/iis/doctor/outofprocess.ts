// The out-of-process checks: the Node executable the workers run ("nodePath") exists and is 18 or
// later (node_not_found, node_too_old), and the worker's entry dist/worker/main.js is under the
// package root (worker_missing).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CheckResult, DoctorContext } from './types.js';
import { windows } from './types.js';

/** The oldest Node major a worker may run (kMinNodeMajor in native/outofprocess/worker_connection.cc). */
export const MIN_NODE_MAJOR = 18;

const isFile = (file: string) => {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

/** A bare executable name looked up in PATH as CreateProcess / execvp would (".exe" added on Windows). */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const path = env.PATH ?? env.Path ?? '';
  const suffixes = process.platform === 'win32' && !/\.[^\\/]+$/.test(name) ? ['.exe', ''] : [''];
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    for (const suffix of suffixes) {
      const file = join(dir, name + suffix);
      if (isFile(file)) return file;
    }
  }
  return undefined;
}

export function checkNode(ctx: DoctorContext): CheckResult {
  const check = 'node';
  const { nodePath } = ctx.config;
  const bare = !/[/\\]/.test(nodePath);
  const installFix = windows(ctx)
    ? 'install Node 18 or later for all users and restart IIS (iisreset) so the pool sees the new PATH, or set "nodePath" to node.exe\'s full path'
    : 'install Node 18 or later, or set "nodePath" to node\'s full path';
  const file = bare ? findOnPath(nodePath, ctx.env) : isFile(nodePath) ? nodePath : undefined;
  if (!file) {
    return {
      check,
      status: 'fail',
      line: bare ? `node_not_found: "${nodePath}" is not in any folder of PATH` : `node_not_found: ${nodePath} ("nodePath") does not exist`,
      fix: installFix,
    };
  }
  const run = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000, windowsHide: true });
  const version = /^v(\d+)\.\d+\.\d+/.exec((run.stdout ?? '').trim());
  if (run.error || !version) {
    const why = run.error ? run.error.message : `it printed "${(run.stdout ?? '').trim().slice(0, 40)}"`;
    return { check, status: 'fail', line: `${file} --version did not answer as Node does (${why})`, fix: `set "nodePath" to a Node executable (18 or later)` };
  }
  const shown = version[0];
  if (Number(version[1]) < MIN_NODE_MAJOR) {
    return {
      check,
      status: 'fail',
      line: `node_too_old: ${file} is Node ${shown}; out of process needs Node ${MIN_NODE_MAJOR} or later`,
      fix: `install Node ${MIN_NODE_MAJOR} or later, or set "nodePath" to a newer node`,
    };
  }
  return { check, status: 'ok', line: `${file} is Node ${shown}` };
}

/** A file the extension expects under the package root; `kind` is its startup failure kind. */
export function checkPackageFile(ctx: DoctorContext, check: string, relative: string[], kind: string): CheckResult {
  const file = join(ctx.config.packageRoot, ...relative);
  if (existsSync(file)) return { check, status: 'ok', line: `${file} exists` };
  return {
    check,
    status: 'fail',
    line: `${kind}: ${file} does not exist`,
    fix: ctx.config.packageRootNamed
      ? `set "packageRoot" in ${ctx.configFile} to the isapi-node package's folder (the one holding dist/), or build it there (npm run build)`
      : `build the package (npm run build), or set "packageRoot" in ${ctx.configFile} to the isapi-node package's folder`,
  };
}

export const checkWorker = (ctx: DoctorContext) => checkPackageFile(ctx, 'worker', ['dist', 'worker', 'main.js'], 'worker_missing');
