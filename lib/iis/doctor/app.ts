// Check "app": the app module the configuration names exists and loads, with the export to serve
// being an app function. It is loaded by lib/runtime/load-app (what both hosting models use) in a
// child process, so an app that hangs, exits or crashes while loading cannot take the doctor with
// it; "startTimeoutMs" bounds the wait, as it bounds the extension's.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { firstLine, type CheckResult, type DoctorContext } from './types.js';

/** Runs in the child: loads the app with loadApp and writes {failure?} as JSON to fd 3. */
const CHILD_SCRIPT = `
const { writeSync } = require('node:fs');
const { loadApp } = require(process.argv[1]);
const send = (r) => { writeSync(3, JSON.stringify(r)); process.exit(0); };
loadApp(process.argv[2], process.argv[3]).then(
  (r) => send('failure' in r ? { failure: r.failure } : { ok: true }),
  (e) => send({ failure: { kind: 'app_failed', message: String((e && e.stack) || e) } }),
);`;

interface ChildOutcome {
  failure?: { kind: string; message: string };
  /** No answer: how the child ended, and the start of what it wrote. */
  ended?: string;
  timedOut?: boolean;
}

function loadInChild(node: string, loader: string, app: string, exportName: string, cwd: string, timeoutMs: number): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = spawn(node, ['-e', CHILD_SCRIPT, loader, app, exportName], { cwd, stdio: ['ignore', 'ignore', 'pipe', 'pipe'], windowsHide: true });
    let answer = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString();
    });
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (answer += d.toString()));
    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ended: `could not start ${node}: ${error.message}` });
    });
    // "close" waits for the pipes, which a process the app started may hold open: after "exit",
    // what the child wrote is read for a moment at most.
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (timedOut) return resolve({ timedOut: true });
      try {
        const parsed = JSON.parse(answer) as { failure?: ChildOutcome['failure'] };
        return resolve(parsed.failure ? { failure: parsed.failure } : {});
      } catch {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        const said = firstLine(stderr);
        resolve({ ended: `loading it ended the process (${how})${said ? `: ${said}` : ''}` });
      }
    };
    child.on('exit', (code, signal) => setTimeout(() => finish(code, signal), 500));
    child.on('close', finish);
  });
}

export async function checkApp(ctx: DoctorContext): Promise<CheckResult> {
  const { app, export: exportName, startTimeoutMs } = ctx.config;
  const check = 'app';
  if (!app) return { check, status: 'skip', line: 'no "app" in the configuration to load' };
  if (!existsSync(app)) {
    return {
      check,
      status: 'fail',
      line: `app_not_found: the app module ${app} does not exist`,
      fix: `correct "app" in ${ctx.configFile} (a relative path is relative to its folder); compile TypeScript to JavaScript first`,
    };
  }
  const loader = join(ctx.ownRoot, 'dist', 'runtime', 'load-app.js');
  if (!existsSync(loader)) {
    return { check, status: 'warn', line: `cannot load the app to check it: ${loader} is missing`, fix: 'build the package (npm run build:ts)' };
  }
  const outcome = await loadInChild(ctx.nodeExecutable, loader, app, exportName, ctx.dir, startTimeoutMs);
  const shown = exportName ? `export "${exportName}"` : 'the default export';
  if (outcome.timedOut) {
    return {
      check,
      status: 'fail',
      line: `app_failed: loading ${app} did not finish within ${startTimeoutMs} ms ("startTimeoutMs")`,
      fix: 'make the module load without waiting at its top level (start work on the first request), or raise "startTimeoutMs"',
    };
  }
  if (outcome.ended) {
    return { check, status: 'fail', line: `app_failed: ${app}: ${outcome.ended}`, fix: `run "node ${app}" to see the whole error; the module must load without IIS` };
  }
  if (outcome.failure) {
    const { kind, message } = outcome.failure;
    let fix = `run "node ${app}" to see the whole error; the module must load without IIS`;
    if (kind === 'app_not_found') fix = `correct "app" in ${ctx.configFile}`;
    else if (/ has no export /.test(message)) fix = `set "export" in ${ctx.configFile} to the export that is the app`;
    else if (/not an app function/.test(message)) fix = `make ${shown} the app function (environ, startResponse) => body (wrap an Express or Node listener with fromNodeListener)`;
    return { check, status: 'fail', line: `${kind}: ${firstLine(message)}`, fix };
  }
  return { check, status: 'ok', line: `${app} loads; ${shown} is an app function` };
}
