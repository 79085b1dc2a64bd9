// The client-gone signal as something to race against: an app or body that waits forever must not
// keep a request whose client has left.

import type { ClientGone } from './client-gone.js';
import { IsapiError } from './errors.js';

export interface AbortWatch {
  /** Settles like `promise`, or rejects with ISAPI_CLIENT_GONE as soon as the signal fires. */
  race<T>(promise: Promise<T>): Promise<T>;
  /** Removes the listener; call once the request is over. */
  dispose(): void;
}

const ignore = (): void => undefined;

export function watchAbort(clientGone: ClientGone): AbortWatch {
  let onAbort = ignore;
  const gone = new Promise<never>((_, reject) => {
    onAbort = () => reject(new IsapiError('ISAPI_CLIENT_GONE'));
  });
  gone.catch(ignore);
  const unlisten = clientGone.listen(onAbort);
  return {
    race<T>(promise: Promise<T>): Promise<T> {
      // The loser may still reject later: that must not become an unhandled rejection.
      promise.catch(ignore);
      return Promise.race([promise, gone]);
    },
    dispose: unlisten,
  };
}
