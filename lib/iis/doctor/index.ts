// `isapi-node doctor`'s runner: reads the configuration once, then runs each check that applies to
// its hosting model, in the order a new installation goes wrong. Each check is a small function
// (one file per check or small group) returning one line; the CLI prints them.
import { packageRoot } from '../../cli/binaries.js';
import { checkApp } from './app.js';
import { checkBitness } from './bitness.js';
import { checkKeys, checkValues, readConfig, resolveConfig } from './config.js';
import { checkHandler, checkLimits } from './handler.js';
import { checkBootstrap, checkLibnode, checkRuntime } from './inprocess.js';
import { checkNode, checkWorker } from './outofprocess.js';
import { checkTrace } from './trace.js';
import { makeContext, type Check, type CheckResult, type CheckStatus, type DoctorContext, type DoctorOptions } from './types.js';

export type { CheckResult, CheckStatus, DoctorContext, DoctorOptions } from './types.js';

const OUT_OF_PROCESS: Check[] = [checkNode, checkWorker];
const IN_PROCESS: Check[] = [checkBootstrap, checkRuntime, checkLibnode];
const IIS: Check[] = [checkBitness, checkTrace, checkHandler, checkLimits];

/** The configuration checks, and the context the other checks take (none when the file does not parse). */
export function prepareDoctor(options: DoctorOptions): { results: CheckResult[]; ctx?: DoctorContext } {
  const env = options.env ?? process.env;
  const ownRoot = options.packageRoot ?? packageRoot;
  const read = readConfig(options.configFile);
  const results: CheckResult[] = [read.result];
  if (!read.object) return { results };
  results.push(checkKeys(read.object));
  const values = checkValues(read.object, read.numberText!);
  results.push(values.result);
  const config = resolveConfig(options.configFile, values.valid, ownRoot, env, options.platform ?? process.platform);
  return { results, ctx: makeContext({ ...options, env }, config, ownRoot) };
}

/** The checks after the configuration's, for its hosting model, in order. */
export function checksFor(ctx: DoctorContext): Check[] {
  return [checkApp, ...(ctx.config.hostingModel === 'outofprocess' ? OUT_OF_PROCESS : IN_PROCESS), ...IIS];
}

export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  const { results, ctx } = prepareDoctor(options);
  if (!ctx) {
    results.push({ check: 'rest', status: 'skip', line: 'the other checks need a configuration that parses' });
    return results;
  }
  for (const check of checksFor(ctx)) {
    let result: CheckResult | null;
    try {
      result = await check(ctx);
    } catch (error) {
      // A check that breaks is a doctor bug, not the user's: say so and go on with the others.
      result = { check: check.name.replace(/^check/, '').toLowerCase() || 'check', status: 'warn', line: `the check itself failed: ${(error as Error).message}` };
    }
    if (result) results.push(result);
  }
  return results;
}

/** Plain ASCII status words: Windows consoles may not show check marks. */
const LABELS: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

/** One result as one line: "FAIL app: … -- fix: …". */
export function formatResult(result: CheckResult): string {
  const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ');
  return oneLine(`${LABELS[result.status]} ${result.check}: ${result.line}${result.fix ? ` -- fix: ${result.fix}` : ''}`);
}

export function summarize(results: CheckResult[]): string {
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  const skipped = results.filter((r) => r.status === 'skip').length;
  const counted = `${results.length} checks${skipped ? `, ${skipped} skipped` : ''}`;
  if (failed === 0 && warned === 0) return `no problems found (${counted})`;
  const parts = [failed && `${failed} failed`, warned && `${warned} warning${warned > 1 ? 's' : ''}`].filter(Boolean);
  return `${parts.join(', ')} (${counted})${failed ? ': fix the FAIL lines above' : ''}`;
}
