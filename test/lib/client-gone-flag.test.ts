import { describe, expect, it } from 'vitest';
import { ClientGone } from '../../lib/index.js';

describe('ClientGone', () => {
  it('runs each listener once when fired, and never again', () => {
    const gone = new ClientGone();
    const heard: string[] = [];
    gone.listen(() => heard.push('a'));
    gone.listen(() => heard.push('b'));
    expect(gone.isGone).toBe(false);
    gone.fire();
    gone.fire();
    expect(gone.isGone).toBe(true);
    expect(heard).toEqual(['a', 'b']);
  });

  it('runs a listener added after the fact at once', () => {
    const gone = new ClientGone();
    gone.fire();
    let heard = 0;
    gone.listen(() => heard++);
    expect(heard).toBe(1);
  });

  it('does not run a listener that stopped listening', () => {
    const gone = new ClientGone();
    let heard = 0;
    const stop = gone.listen(() => heard++);
    stop();
    gone.fire();
    expect(heard).toBe(0);
  });

  it('gives one AbortSignal, aborted with the reason whether it was asked for before or after', () => {
    const early = new ClientGone();
    const signal = early.signal;
    expect(early.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    const reason = new Error('gone');
    early.fire(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);

    const late = new ClientGone();
    late.fire(reason);
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe(reason);
  });
});
