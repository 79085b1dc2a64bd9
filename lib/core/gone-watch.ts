// The client leaving as something to race against: an app or body that waits forever must not
// keep a request whose client has left.

import type { ClientGone } from './client-gone.js';
import { ClientGoneError } from './errors.js';

export interface GoneWatch {
  /** Settles like `promise`, or rejects with a ClientGoneError as soon as the client is gone. */
  race<T>(promise: Promise<T>): Promise<T>;
  /** Removes the listener; call once the request is over. */
  dispose(): void;
}

const ignore = (): void => undefined;

export function watchGone(clientGone: ClientGone): GoneWatch {
  let onGone = ignore;
  const gone = new Promise<never>((_, reject) => {
    onGone = () => reject(new ClientGoneError());
  });
  gone.catch(ignore);
  const unlisten = clientGone.listen(onGone);
  return {
    race<T>(promise: Promise<T>): Promise<T> {
      // The loser may still reject later: that must not become an unhandled rejection.
      promise.catch(ignore);
      return Promise.race([promise, gone]);
    },
    dispose: unlisten,
  };
}
