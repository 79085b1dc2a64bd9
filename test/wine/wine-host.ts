// Starting the Windows test host under Wine for a test, and stopping it after (scripts/wine/host.mjs
// does the Wine part).
import type { ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
// @ts-expect-error: a plain ES module without types
import { startWineHost, windowsPath as toWindowsPath } from '../../scripts/wine/host.mjs';

export const windowsPath = toWindowsPath as (path: string) => string;

export interface WineHost {
  port: number;
  url: string;
  stderr(): string;
  /** Closes the host's standard input (its SIGTERM under Wine); resolves with its exit code. */
  stop(): Promise<number>;
}

/** Hosts started in a test file, stopped after each test that left one running. */
export function wineHosts(): { start(args: string[], env?: Record<string, string>): Promise<WineHost> } {
  let running: WineHost | undefined;
  afterEach(async () => {
    if (running) await running.stop();
    running = undefined;
  });
  return {
    async start(args, env = {}) {
      const host: { child: ChildProcess; stop(): Promise<number> } = startWineHost(['--port', '0', ...args], { env });
      let out = '';
      let err = '';
      host.child.stdout!.on('data', (d: Buffer) => (out += d));
      host.child.stderr!.on('data', (d: Buffer) => (err += d));
      const started: WineHost = {
        port: 0,
        url: '',
        stderr: () => err,
        stop: async () => {
          running = undefined;
          return host.stop();
        },
      };
      running = started;
      started.port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the host did not listen within 60 s:\n${out}\n${err}`)), 60_000);
        host.child.stdout!.on('data', () => {
          const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
        host.child.on('exit', () => reject(new Error(`the host exited:\n${out}\n${err}`)));
      });
      started.url = `http://127.0.0.1:${started.port}`;
      return started;
    },
  };
}
