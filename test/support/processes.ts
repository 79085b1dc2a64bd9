// The machine's processes as /proc shows them, for tests that must know which processes a host
// started and whether they are gone (procps' pgrep is not on every machine the suite runs on).
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** R, S, D, Z (a zombie: ended, not yet reaped) … */
  state: string;
  /** The command line, arguments joined by spaces. */
  command: string;
}

function read(pid: number): ProcessInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name in parentheses may hold spaces and parentheses itself: the fields follow the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(ppid), state, command };
  } catch {
    return null; // gone meanwhile
  }
}

export function processes(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => read(Number(name)))
    .filter((p): p is ProcessInfo => p !== null);
}

/** The live (not zombie) children of `pid`. */
export const childrenOf = (pid: number): number[] => processes().filter((p) => p.ppid === pid && p.state !== 'Z').map((p) => p.pid);

/** Whether `pid` runs (a zombie counts as ended). */
export function running(pid: number): boolean {
  const p = read(pid);
  return p !== null && p.state !== 'Z';
}
