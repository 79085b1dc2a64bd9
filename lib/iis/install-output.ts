// How iis-install and iis-uninstall show a change: a text file as a unified diff, a binary file
// as one line, an appcmd step as the command line that runs (or would run) it.
import { createTwoFilesPatch } from 'diff';
import { commandLine } from './appcmd.js';
import { sha256 } from './install-record.js';

export type Log = (line: string) => void;

/** A text file's change as a unified diff; undefined stands for no file (/dev/null). */
export function fileDiff(path: string, before: Buffer | undefined, after: Buffer | undefined): string {
  return createTwoFilesPatch(before === undefined ? '/dev/null' : path, after === undefined ? '/dev/null' : path, before?.toString('utf8') ?? '', after?.toString('utf8') ?? '').trimEnd();
}

export const copyLine = (source: string, dest: string, bytes: Buffer) => `copy ${source} -> ${dest} (${bytes.length} bytes, sha256 ${sha256(bytes)})`;

export const deleteLine = (path: string, bytes: Buffer) => `delete ${path} (${bytes.length} bytes, sha256 ${sha256(bytes)})`;

/** How an appcmd line is introduced: it runs, it would run (off Windows), or a dry run shows it. */
export type AppcmdMode = 'run' | 'would run' | 'dry run';

export const appcmdLine = (mode: AppcmdMode, args: readonly string[]) => (mode === 'dry run' ? commandLine(args) : `${mode}: ${commandLine(args)}`);
