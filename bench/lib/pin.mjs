// `--pin`: the serving processes on one core and the load generators (wrk, curl) on another, so
// that CPU per request can be compared without wrk competing for the same core. With every thread
// of a contender on one core, a thread hand-off cannot overlap with other work either: pinned
// figures show efficiency, unpinned ones what two shared cores give.
import { cpus } from 'node:os';

let cores = null; // { server, load } while pinning

/** Pins from now on: servers to the first CPU, load generators to the second. */
export function pinCores() {
  if (cpus().length < 2) throw new Error('--pin needs at least 2 CPUs: one for the servers, one for the load');
  cores = { server: '0', load: '1' };
}

export const pinning = () => cores !== null;

/** The command and arguments that run `command` on the role's core (unchanged when not pinning);
 *  taskset execs the command, so the pid is the command's own. */
export function onCore(role, command, args) {
  return cores ? ['taskset', ['-c', cores[role], command, ...args]] : [command, args];
}
