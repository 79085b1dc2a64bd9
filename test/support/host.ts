import { expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostBinary, referenceExtension } from './build.js';

export interface HostStats {
  /** The seed of the host's random choices (--seed replays them). */
  seed: number;
  sessions: { started: number; done: number; active: number };
  refused: number;
  violations: { kind: string; conn: number; detail: string }[];
  unhealthy: string[];
  extension: { loaded: boolean; description: string; terminated: boolean };
}

export interface RunningHost {
  port: number;
  url: string;
  /** The seed the host printed: `--seed <seed>` (or ISAPI_HOST_SEED=<seed>) replays its choices. */
  seed: string;
  process: ChildProcess;
  stderr: () => string;
  /** SIGTERM, then waits for exit; resolves with the exit code and the stats file. */
  stop: (signal?: NodeJS.Signals) => Promise<{ code: number | null; stats: HostStats }>;
}

export interface HostOptions {
  extension?: string;
  /**
   * Run the host with --hostile, as IIS may behave at its worst (the default). Options in `args`
   * still override each part of it (e.g. `--preload 49152`).
   */
  hostile?: boolean;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Fails the start after this long without the "listening" line. */
  startTimeoutMs?: number;
}

const SEED_LINE = /isapi-host: seed (\d+) \(replay with --seed \d+\)/;

/**
 * Starts the real isapi-host on a free loopback port, in strict mode with a stats file, and hostile
 * unless `hostile: false`. ISAPI_HOST_SEED=<seed> in the environment replays a run's choices.
 */
export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  const dir = mkdtempSync(join(tmpdir(), 'isapi-host-'));
  const statsFile = join(dir, 'stats.json');
  const callerArgs = options.args ?? [];
  const replay = process.env.ISAPI_HOST_SEED && !callerArgs.includes('--seed') ? ['--seed', process.env.ISAPI_HOST_SEED] : [];
  const args = [
    '--extension', options.extension ?? referenceExtension(),
    '--port', '0',
    '--strict',
    ...(options.hostile === false ? [] : ['--hostile']),
    ...replay,
    '--stats-file', statsFile,
    ...callerArgs,
  ];
  const child = spawn(hostBinary(), args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  // Both lines must be seen: the port on stdout, the seed on stderr (printed first, but a separate pipe).
  let seed = '';
  const port = await new Promise<number>((resolve, reject) => {
    let listening = 0;
    const settle = () => {
      if (!listening || !seed) return;
      clearTimeout(timer);
      resolve(listening);
    };
    const timer = setTimeout(() => reject(new Error(`isapi-host did not start:\n${stderr}`)), options.startTimeoutMs ?? 15_000);
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(stdout);
      if (m) listening = Number(m[1]);
      settle();
    });
    child.stderr!.on('data', () => {
      seed ||= SEED_LINE.exec(stderr)?.[1] ?? '';
      settle();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`isapi-host exited with ${code} before listening:\n${stderr}`));
    });
  });

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seed,
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
 * code 0. Returns the stats for further checks. A failure names the seed that replays the run.
 */
export async function stopClean(host: RunningHost): Promise<HostStats> {
  const { code, stats } = await host.stop();
  const replay = `isapi-host seed ${host.seed}: replay with ISAPI_HOST_SEED=${host.seed}`;
  expect(stats.violations, replay).toEqual([]);
  expect(code, replay).toBe(0);
  return stats;
}
