// iis-uninstall: undoes exactly what the record of an iis-install says it did, and refuses, before
// changing anything, where someone changed those files since: a created file whose sha256 differs
// is not deleted, a web.config edited since is not overwritten with its old bytes (unless --force).
// On Windows the inverse appcmd lines of the steps that ran run first (in reverse order), so that
// IIS lets go of the DLL before it is deleted; elsewhere they are printed.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { CliError } from '../cli/errors.js';
import { type Appcmd, commandLine } from './appcmd.js';
import { appcmdLine, deleteLine, fileDiff, type Log } from './install-output.js';
import { type InstallRecord, readRecord, recordPath, sha256, webConfigBefore, writeRecord } from './install-record.js';

export interface UninstallOptions {
  physicalPath: string;
  /** Overwrite a web.config (and delete files) changed by hand since the install. */
  force: boolean;
}

interface FileAction {
  path: string;
  /** Its bytes now; undefined if it is gone already. */
  now: Buffer | undefined;
}

export interface UninstallPlan {
  physicalPath: string;
  record: InstallRecord;
  deletes: FileAction[];
  webConfig: FileAction & { restore: Buffer | undefined };
  notes: string[];
}

const readIf = (path: string) => (existsSync(path) ? readFileSync(path) : undefined);

/** What the uninstall would do, after every check passed. */
export function planUninstall(options: UninstallOptions): UninstallPlan {
  const record = readRecord(options.physicalPath);
  const notes: string[] = [];
  const deletes = record.files.map((f) => ({ path: f.path, now: readIf(f.path), sha256: f.sha256 }));
  const changed = deletes.filter((f) => f.now && sha256(f.now) !== f.sha256).map((f) => f.path);
  for (const f of deletes) if (!f.now) notes.push(`${f.path} is gone already`);

  const { path } = record.webConfig;
  const now = readIf(path);
  const restore = webConfigBefore(record);
  const handEdited = now === undefined ? restore !== undefined : sha256(now) !== record.webConfig.after;
  if (!options.force && (changed.length || handEdited)) {
    const what = [
      ...changed.map((p) => `${p} was changed by hand since the install (it is not what iis-install wrote), so it is not deleted`),
      ...(handEdited ? [`${path} ${now === undefined ? 'was deleted' : 'was changed'} since the install, so restoring it would lose that`] : []),
    ];
    throw new CliError(`${what.join('; ')}: nothing was changed. Save what you need and run again with --force, or undo the install by hand`);
  }
  if (changed.length) notes.push(`--force: deleting ${changed.join(', ')} although changed by hand`);
  if (handEdited) notes.push(`--force: ${path} is given back as it was before the install, although changed since`);
  return { physicalPath: options.physicalPath, record, deletes: deletes.map(({ path: p, now: n }) => ({ path: p, now: n })), webConfig: { path, now, restore }, notes };
}

function showFileChanges(plan: UninstallPlan, log: Log): void {
  const { webConfig } = plan;
  if (webConfig.now === undefined && webConfig.restore === undefined) log(`${webConfig.path}: absent, as before the install`);
  else if (webConfig.now && webConfig.restore && webConfig.now.equals(webConfig.restore)) log(`${webConfig.path}: as before the install already`);
  else log(fileDiff(webConfig.path, webConfig.now, webConfig.restore));
  for (const f of plan.deletes) if (f.now) log(deleteLine(f.path, f.now));
  log(`delete ${recordPath(plan.physicalPath)} (the install record)`);
}

/** Runs the inverse lines of the steps that ran, latest first, marking each undone in the record. */
function runInverses(plan: UninstallPlan, appcmd: Appcmd, log: Log): void {
  const { record } = plan;
  // A step without an inverse (a setting of the pool or app) is undone with the step before it.
  const covered: typeof record.appcmd = [];
  for (const step of [...record.appcmd].reverse()) {
    if (!step.ran) continue;
    if (!step.inverse) {
      covered.push(step);
      continue;
    }
    log(appcmdLine('run', step.inverse));
    const result = appcmd.run(step.inverse);
    if (result.status !== 0) {
      throw new CliError(
        `appcmd failed (exit code ${result.status}): ${commandLine(step.inverse)}: ${result.output.split(/\r?\n/)[0] || 'no output'}; ` +
          'the steps undone so far are recorded, no file was changed: fix the cause and run iis-uninstall again',
      );
    }
    for (const done of [step, ...covered.splice(0)]) done.ran = false;
    writeRecord(plan.physicalPath, record);
  }
}

export interface UninstallContext {
  windows: boolean;
  dryRun: boolean;
  appcmd: Appcmd;
  log: Log;
}

export function applyUninstall(plan: UninstallPlan, context: UninstallContext): void {
  const { log } = context;
  log(`isapi-node iis-uninstall: the install of ${plan.record.installedAt} in ${plan.physicalPath}`);
  if (context.dryRun) log('dry run: nothing is changed');
  else if (!context.windows) log('not on Windows: the files are changed, the appcmd lines only printed');
  showFileChanges(plan, log);
  for (const note of plan.notes) log(`note: ${note}`);
  const inverses = [...plan.record.appcmd].reverse().filter((s) => s.inverse);
  if (context.dryRun) {
    log("appcmd, on Windows (the inverses of the install's steps, latest first; there only of those it ran):");
    for (const step of inverses) log(appcmdLine('dry run', step.inverse!));
    return;
  }
  if (context.windows) runInverses(plan, context.appcmd, log);
  else for (const step of inverses) log(appcmdLine('would run', step.inverse!));

  const { webConfig } = plan;
  if (webConfig.restore !== undefined) writeFileSync(webConfig.path, webConfig.restore);
  else rmSync(webConfig.path, { force: true });
  // On Windows the worker process may hold the DLL a moment longer after its pool is deleted.
  for (const f of plan.deletes) if (f.now) rmSync(f.path, { force: true, recursive: true, maxRetries: 10, retryDelay: 200 });
  rmSync(recordPath(plan.physicalPath), { force: true });
  log(`uninstalled from ${plan.physicalPath}`);
}
