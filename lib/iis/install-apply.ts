// iis-install, second half: shows a plan (install-plan.ts) and carries it out. Files first (the
// DLLs, the configuration, web.config, then the record), then the appcmd steps: run on Windows,
// each recorded as it succeeds, and at the first failure everything done so far is undone;
// elsewhere only printed, so that everything but IIS itself can be tried on any machine.
import { rmSync, writeFileSync } from 'node:fs';
import { CliError } from '../cli/errors.js';
import { type Appcmd, commandLine } from './appcmd.js';
import { appcmdLine, copyLine, fileDiff, type Log } from './install-output.js';
import type { InstallPlan } from './install-plan.js';
import { encodeBefore, type InstallRecord, RECORD_FORMAT, sha256, writeRecord } from './install-record.js';

export interface ApplyContext {
  /** Run appcmd; otherwise print its lines as "would run". */
  windows: boolean;
  /** Change nothing: print the changes and the lines. */
  dryRun: boolean;
  appcmd: Appcmd;
  log: Log;
}

/** Every file change of the plan: the copies as one line each, the text files as diffs. */
export function showFileChanges(plan: InstallPlan, log: Log): void {
  for (const copy of plan.copies) log(copyLine(copy.source, copy.path, copy.bytes));
  log(fileDiff(plan.config.path, undefined, plan.config.bytes));
  if (plan.webConfig.before?.equals(plan.webConfig.after)) log(`${plan.webConfig.path}: already as isapi-node needs it`);
  else log(fileDiff(plan.webConfig.path, plan.webConfig.before, plan.webConfig.after));
  log(`write ${plan.recordPath} (what iis-uninstall undoes)`);
}

function headline(plan: InstallPlan): string {
  const o = plan.options;
  return `isapi-node iis-install: ${o.app} as "${o.site}${o.virtualDir}" from ${o.physicalPath}, ${o.hosting.hostingModel}, ${o.bitness}-bit pool "${o.appPool}"`;
}

/** Writes the plan's files; if one fails, removes those written before it. */
function writeFiles(plan: InstallPlan): void {
  const undo: (() => void)[] = [];
  try {
    for (const copy of plan.copies) {
      writeFileSync(copy.path, copy.bytes, { flag: 'wx' });
      undo.push(() => rmSync(copy.path, { force: true }));
    }
    writeFileSync(plan.config.path, plan.config.bytes, { flag: 'wx' });
    undo.push(() => rmSync(plan.config.path, { force: true }));
    const { path, before, after } = plan.webConfig;
    writeFileSync(path, after, { flag: before === undefined ? 'wx' : 'w' });
    undo.push(() => (before === undefined ? rmSync(path, { force: true }) : writeFileSync(path, before)));
  } catch (error) {
    for (const step of undo.reverse()) step();
    throw new CliError(`cannot write into ${plan.options.physicalPath} (${(error as Error).message}): nothing was changed`);
  }
}

/** Undoes writeFiles and the record: used when an appcmd step fails. */
function removeFiles(plan: InstallPlan): void {
  const { path, before } = plan.webConfig;
  if (before === undefined) rmSync(path, { force: true });
  else writeFileSync(path, before);
  rmSync(plan.config.path, { force: true });
  for (const copy of plan.copies) rmSync(copy.path, { force: true, recursive: true, maxRetries: 5 });
  rmSync(plan.recordPath, { force: true });
}

function record(plan: InstallPlan): InstallRecord {
  return {
    format: RECORD_FORMAT,
    package: 'isapi-node',
    version: plan.version,
    installedAt: new Date().toISOString(),
    platform: process.platform,
    options: { ...plan.options },
    files: [...plan.copies.map((c) => ({ path: c.path, sha256: c.sha256 })), { path: plan.config.path, sha256: sha256(plan.config.bytes) }],
    webConfig: { path: plan.webConfig.path, before: encodeBefore(plan.webConfig.before), after: sha256(plan.webConfig.after) },
    appcmd: plan.appcmd.map((s) => ({ args: s.args, inverse: s.inverse, ran: false })),
  };
}

/** Runs the recorded steps in order; at a failure undoes those that ran and throws. */
function runSteps(plan: InstallPlan, rec: InstallRecord, appcmd: Appcmd, log: Log): void {
  for (const step of rec.appcmd) {
    log(appcmdLine('run', step.args));
    const result = appcmd.run(step.args);
    if (result.status === 0) {
      step.ran = true;
      writeRecord(plan.options.physicalPath, rec);
      continue;
    }
    const failures: string[] = [];
    for (const done of rec.appcmd.filter((s) => s.ran && s.inverse).reverse()) {
      log(appcmdLine('run', done.inverse!));
      const undone = appcmd.run(done.inverse!);
      if (undone.status !== 0) failures.push(`${commandLine(done.inverse!)} failed too (${undone.output.split(/\r?\n/)[0]})`);
    }
    removeFiles(plan);
    const cause = `appcmd failed (exit code ${result.status}): ${commandLine(step.args)}: ${result.output.split(/\r?\n/)[0] || 'no output'}`;
    throw new CliError(
      failures.length
        ? `${cause}; undoing, ${failures.join('; ')}: run those by hand (the files are removed)`
        : `${cause}; what was done is undone (run it in an administrator's shell, with IIS's "ISAPI Extensions" feature installed)`,
    );
  }
}

/** Shows the plan and, unless a dry run, carries it out; returns the record written, if any. */
export function applyInstall(plan: InstallPlan, context: ApplyContext): InstallRecord | undefined {
  const { log } = context;
  log(headline(plan));
  if (context.dryRun) log('dry run: nothing is changed');
  else if (!context.windows) log('not on Windows: the files are written, the appcmd lines only printed');
  showFileChanges(plan, log);
  for (const note of plan.notes) log(`note: ${note}`);
  if (context.dryRun) {
    log(`appcmd, on Windows (each line's inverse is recorded for iis-uninstall):`);
    for (const step of plan.appcmd) log(appcmdLine('dry run', step.args));
    return undefined;
  }

  writeFiles(plan);
  const rec = record(plan);
  try {
    writeRecord(plan.options.physicalPath, rec);
  } catch (error) {
    removeFiles(plan);
    throw new CliError(`cannot write ${plan.recordPath} (${(error as Error).message}): nothing was changed`);
  }
  if (context.windows) runSteps(plan, rec, context.appcmd, log);
  else for (const step of plan.appcmd) log(appcmdLine('would run', step.args));
  log(`installed: ${plan.recordPath} records it; \`isapi-node iis-uninstall --physical-path ${plan.options.physicalPath}\` undoes it`);
  return rec;
}
