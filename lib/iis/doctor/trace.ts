// Check "trace": the trace channel can be written. Under IIS stderr goes nowhere, and the file is
// written by the pool's identity (IIS AppPool\NAME), not by whoever runs the doctor: it can only
// open the file as the current user, and on Windows says which rights the pool needs.
import { closeSync, existsSync, openSync, statSync, unlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { TRACE_FILE } from '../names.js';
import type { CheckResult, DoctorContext } from './types.js';
import { poolIdentity, windows } from './types.js';

export function checkTrace(ctx: DoctorContext): CheckResult {
  const check = 'trace';
  const { trace } = ctx.config;
  if (trace === 'stderr') {
    if (!windows(ctx)) return { check, status: 'ok', line: 'stderr' };
    return {
      check,
      status: 'warn',
      line: '"trace" is stderr, which goes nowhere in IIS (w3wp.exe): startup failures and app errors are lost',
      fix: `set "trace": "${TRACE_FILE}" in ${ctx.configFile}, or remove "trace" (that file is the default on Windows)`,
    };
  }
  const folder = dirname(trace);
  const icacls = `icacls "${folder}" /grant "${poolIdentity(ctx)}:(OI)(CI)M"`;
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    return { check, status: 'fail', line: `the folder of the trace file ${trace} does not exist`, fix: `create ${folder}, or set "trace" to a file in an existing folder` };
  }
  const existed = existsSync(trace);
  try {
    closeSync(openSync(trace, 'a'));
    // Leave no empty file behind: the extension creates it when it first writes.
    if (!existed) unlinkSync(trace);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return {
      check,
      status: 'fail',
      line: `cannot open ${trace} for appending (${code})`,
      fix: windows(ctx)
        ? `give the pool's identity Modify rights on the folder: ${icacls}`
        : 'make it (and its folder) writable by the user the server runs as, or set "trace" elsewhere',
    };
  }
  if (!windows(ctx)) return { check, status: 'ok', line: `${trace} can be appended to` };
  return {
    check,
    status: 'ok',
    line: `${trace} can be appended to by ${userInfo().username}; the pool's identity needs Modify rights on its folder too: ${icacls}`,
  };
}
