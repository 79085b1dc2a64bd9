import { describe, expect, it } from 'vitest';
import { SendWindow } from '../../lib/runtime/send-window.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settledSoon = async (p: Promise<unknown>): Promise<boolean> => {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return settled;
};

describe('SendWindow', () => {
  it('takes sends at once while the unconfirmed bytes fit, then waits for confirmations', async () => {
    const window = new SendWindow(100);
    const first = deferred();
    const second = deferred();
    await window.admit(60, first.promise);
    const waiting = window.admit(60, second.promise);
    expect(await settledSoon(waiting)).toBe(false);
    first.resolve();
    await waiting;
    second.resolve();
  });

  it('reports a failed send to the send waiting for room and to every later one', async () => {
    const window = new SendWindow(10);
    const first = deferred();
    const waiting = window.admit(20, first.promise);
    first.reject(new Error('the client disconnected'));
    await expect(waiting).rejects.toThrow('the client disconnected');
    expect(window.failure?.message).toBe('the client disconnected');
    await expect(window.admit(1, Promise.resolve())).rejects.toThrow('the client disconnected');
  });

  it('reports a failure of a send that was already taken to the next one', async () => {
    const window = new SendWindow(100);
    const first = deferred();
    await window.admit(10, first.promise);
    first.reject(new Error('gone'));
    await Promise.resolve();
    await Promise.resolve();
    await expect(window.admit(10, Promise.resolve())).rejects.toThrow('gone');
  });
});
