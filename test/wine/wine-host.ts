// Starting the Windows test host under Wine for a test (or one for a whole test file), and stopping
// it after (scripts/wine/host.mjs does the Wine part); finding the Windows programs it started.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach } from 'vitest';
// @ts-expect-error: a plain ES module without types
import * as wine from '../../scripts/wine/host.mjs';
import { processes } from '../support/processes.js';

export const windowsPath = wine.windowsPath as (path: string) => string;

/** The official node.exe (npm run setup:win), a Linux path. */
export const WINDOWS_NODE = wine.WINDOWS_NODE as string;

/**
 * host.mjs's configuration for `app` (a Linux path): `options` as `npm run wine-host` parses them
 * (trace, hosting-model, processes, node-path, dev-errors), `extra` more keys. The extension to
 * load and the environment that points it at the configuration written.
 */
export const writeAppConfig = wine.writeAppConfig as (
  app: string,
  options?: Record<string, string | boolean | undefined>,
  extra?: Record<string, unknown>,
) => { extension: string; env: Record<string, string>; config: Record<string, unknown> };

/**
 * The Linux pids of the Windows programs running `exe` (a file name, as in their command line) whose
 * environment holds `marker` (NAME=value): under Wine a Windows process is a Linux process whose
 * command line is the Windows one, and a worker inherits its host's environment, so a marker
 * unique to one host tells its workers from any other node.exe on the machine.
 */
export function wineProcesses(exe: string, marker: string): number[] {
  const pids = processes()
    .filter((p) => p.command.includes(exe))
    .map((p) => p.pid);
  return pids.filter((pid) => {
    try {
      // A zombie (ended, not yet reaped) has an empty environment: it does not count.
      return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker);
    } catch {
      return false; // gone meanwhile
    }
  });
}

export interface WineHost {
  port: number;
  url: string;
  stderr(): string;
  /** Closes the host's standard input (its SIGTERM under Wine); resolves with its exit code. */
  stop(): Promise<number>;
}

/**
 * Hosts started in a test file, stopped after each test that left one running; with `per: 'file'`,
 * one host that the file's tests share in turn, stopped after the last of them if none did.
 */
export function wineHosts({ per = 'test' }: { per?: 'test' | 'file' } = {}): {
  start(args: string[], env?: Record<string, string>): Promise<WineHost>;
} {
  let running: WineHost | undefined;
  (per === 'file' ? afterAll : afterEach)(async () => {
    if (running) await running.stop();
    running = undefined;
  });
  return {
    async start(args, env = {}) {
      const host: { child: ChildProcess; stop(): Promise<number> } = wine.startWineHost(['--port', '0', ...args], { env });
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

/** A trace file's text so far ("" before it exists). */
export const readTrace = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');
