// The record of one iis-install, written beside the app (isapi-node-install.json): exactly what it
// changed, so that iis-uninstall can undo exactly that and refuse where someone changed it since.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../cli/errors.js';
import { INSTALL_RECORD } from './names.js';

export const RECORD_FORMAT = 1;

export interface RecordedFile {
  path: string;
  sha256: string;
}

export interface RecordedStep {
  args: string[];
  inverse: string[] | null;
  /** Run by this install (on Windows); off Windows the steps are only printed, never run. */
  ran: boolean;
}

export interface InstallRecord {
  format: typeof RECORD_FORMAT;
  package: string;
  version: string;
  installedAt: string;
  platform: string;
  /** The options the install used, after defaults. */
  options: Record<string, unknown>;
  /** The files it created, to be deleted while they are still as it wrote them. */
  files: RecordedFile[];
  webConfig: {
    path: string;
    /** Its exact bytes before (base64), or "absent" when the install created it. */
    before: string;
    /** The sha256 of what the install wrote. */
    after: string;
  };
  appcmd: RecordedStep[];
}

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

export const recordPath = (physicalPath: string) => join(physicalPath, INSTALL_RECORD);

/** The bytes to give back to web.config, or undefined when the install created it. */
export function webConfigBefore(record: InstallRecord): Buffer | undefined {
  return record.webConfig.before === 'absent' ? undefined : Buffer.from(record.webConfig.before, 'base64');
}

export function encodeBefore(bytes: Buffer | undefined): string {
  return bytes === undefined ? 'absent' : bytes.toString('base64');
}

export function writeRecord(physicalPath: string, record: InstallRecord): void {
  // Whole or not at all: a crash mid-write must not leave a record uninstall cannot read.
  const file = recordPath(physicalPath);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The record in `physicalPath`; a CliError saying why there is none usable. */
export function readRecord(physicalPath: string): InstallRecord {
  const file = recordPath(physicalPath);
  if (!existsSync(file)) throw new CliError(`there is no ${INSTALL_RECORD} in ${physicalPath}: nothing was installed there by iis-install (give its --physical-path)`);
  let record: InstallRecord;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as InstallRecord;
  } catch (error) {
    throw new CliError(`${file} is not readable JSON (${(error as Error).message}): it was changed by hand; undo the install by hand`);
  }
  const valid =
    record &&
    record.format === RECORD_FORMAT &&
    Array.isArray(record.files) &&
    record.files.every((f) => typeof f.path === 'string' && typeof f.sha256 === 'string') &&
    typeof record.webConfig?.path === 'string' &&
    typeof record.webConfig.before === 'string' &&
    typeof record.webConfig.after === 'string' &&
    Array.isArray(record.appcmd) &&
    record.appcmd.every((s) => Array.isArray(s.args) && (s.inverse === null || Array.isArray(s.inverse)) && typeof s.ran === 'boolean');
  if (!valid) throw new CliError(`${file} is not an install record this isapi-node can read (format ${RECORD_FORMAT}): undo the install with the version that made it, or by hand`);
  return record;
}
