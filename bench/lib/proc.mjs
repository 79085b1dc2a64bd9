// Readings of a serving process from /proc: CPU time and resident memory.
import { readFileSync, writeFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** User + system CPU seconds the process has used so far (all its threads). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
}

export function memoryBytes(pid, field = 'VmRSS') {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Restarts the peak-RSS counter (VmHWM) from the current RSS. */
export function resetPeak(pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
