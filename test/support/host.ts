import { expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostBinary, referenceExtension } from './build.js';

export interface HostStats {
  sessions: { started: number; done: number; active: number };
  refused: number;
  violations: { kind: string; conn: number; detail: string }[];
  unhealthy: string[];
  extension: { loaded: boolean; description: string; terminated: boolean };
}

export interface RunningHost {
  port: number;
  url: string;
  process: ChildProcess;
  stderr: () => string;
  /** SIGTERM, then waits for exit; resolves with the exit code and the stats file. */
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; stats: HostStats }>;
}

export interface HostOptions {
  extension?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Fails the start after this long without the "listening" line. */
  startTimeoutMs?: number;
}

/** Starts the real isapi-host on a free loopback port, in strict mode with a stats file. */
export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  const dir = mkdtempSync(join(tmpdir(), 'isapi-host-'));
  const statsFile = join(dir, 'stats.json');
  const args = [
    '--extension', options.extension ?? referenceExtension(),
    '--port', '0',
    '--strict',
    '--stats-file', statsFile,
    ...(options.args ?? []),
  ];
  const child = spawn(hostBinary(), args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`isapi-host did not start:\n${stderr}`)), options.startTimeoutMs ?? 15_000);
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`isapi-host exited with ${code} before listening:\n${stderr}`));
    });
  });

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    process: child,
    stderr: () => stderr,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      if (!existsSync(statsFile)) throw new Error(`isapi-host wrote no stats file (exit ${code}):\n${stderr}`);
      return { code, stats: JSON.parse(readFileSync(statsFile, 'utf8')) as HostStats };
    },
  };
}

/**
 * Stops a host and checks what every test expects of a clean run: no contract violation and exit
 * code 0. Returns the stats for further checks.
 */
export async function stopClean(host: RunningHost): Promise<HostStats> {
  const { code, stats } = await host.stop();
  expect(stats.violations).toEqual([]);
  expect(code).toBe(0);
  return stats;
}
