// The out-of-process twin of the extension's FileCopy (native/extension/platform.h): a file the
// app returned by descriptor is read by the worker while the response goes out, and the app may
// close its descriptor meanwhile (even have the number reused for another file). On Linux the
// worker opens its own description of the same file through /proc/self/fd at once; elsewhere Node
// has no way to duplicate a descriptor, so the app's own is read and must stay open until the
// response ends (README, "Hosting models").
import { closeSync, openSync } from 'node:fs';

export interface FileCopy {
  fd: number;
  release(): void;
}

export function copyDescriptor(fd: number): FileCopy {
  if (process.platform === 'linux') {
    try {
      const own = openSync(`/proc/self/fd/${fd}`, 'r');
      return { fd: own, release: () => closeSync(own) };
    } catch {
      // No /proc (a locked-down container): the app's descriptor it is.
    }
  }
  return { fd, release: () => undefined };
}
