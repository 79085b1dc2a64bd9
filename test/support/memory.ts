// The memory of a process under test (the host: the IIS worker's stand-in), from Linux's /proc.
import { readFileSync, writeFileSync } from 'node:fs';

/** VmRSS: resident now; VmHWM: the peak since the start or the last resetPeak(). In bytes. */
export function memory(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
}

/** Restarts the peak (VmHWM) from the current resident set. */
export function resetPeak(pid: number | undefined): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
