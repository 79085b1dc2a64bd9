// The extension's side of the out-of-process protocol, as small as the worker tests need: a
// listening Unix socket in a private folder, the worker started the way the extension starts it
// (one JSON line on its standard input), and each connection's frames decoded and kept in order.
// Everything waits with a deadline, so a worker that misbehaves fails a test instead of hanging it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FROM_WORKER, FrameParser, decodeFrame, encodeFrame, type ExtensionFrame, type WorkerFrame } from '../../lib/worker/frames.js';
import { projectRoot } from '../support/build.js';

export const WAIT_MS = 10_000;

/** Compiles lib/ into a private folder (never the shared dist/, which other suites read meanwhile). */
export function buildWorker(): { main: string; remove: () => void } {
  const outDir = mkdtempSync(join(tmpdir(), 'isapi-node-worker-dist-'));
  const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(projectRoot, 'tsconfig.build.json'), '--outDir', outDir, '--declaration', 'false', '--sourceMap', 'false'], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`building lib/ failed:\n${run.stdout}${run.stderr}`);
  copyFileSync(join(projectRoot, 'lib', 'package.json'), join(outDir, 'package.json'));
  return { main: join(outDir, 'worker', 'main.js'), remove: () => rmSync(outDir, { recursive: true, force: true }) };
}

function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** One worker's connection, seen from the extension. */
export class Peer {
  readonly socket: Socket;
  /** Every frame the worker sent, in order. */
  readonly log: WorkerFrame[] = [];
  /** How many 'data' events brought them: one write of the worker's arrives as one here. */
  dataEvents = 0;
  readonly closed: Promise<void>;
  /** Frames not yet taken by take(). */
  #pending: WorkerFrame[] = [];
  /** Every take() waiting, woken together: several requests' frames are awaited at once. */
  #waiting: (() => void)[] = [];
  #error: Error | null = null;

  constructor(socket: Socket) {
    this.socket = socket;
    const parser = new FrameParser(FROM_WORKER);
    socket.on('data', (chunk: Buffer) => {
      this.dataEvents++;
      try {
        for (const raw of parser.push(chunk)) {
          const frame = decodeFrame(raw) as WorkerFrame;
          this.log.push(frame);
          this.#pending.push(frame);
        }
      } catch (error) {
        this.#error = error as Error;
        socket.destroy();
      }
      for (const wake of this.#waiting.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  send(...frames: ExtensionFrame[]): void {
    // All in one write, as the extension's batching does.
    this.socket.write(Buffer.concat(frames.map(encodeFrame)));
  }

  /** Takes the first frame not yet taken that matches, waiting for it if needed. */
  async take<T extends WorkerFrame>(match: (frame: WorkerFrame) => frame is T, what: string, ms?: number): Promise<T>;
  async take(match: (frame: WorkerFrame) => boolean, what: string, ms?: number): Promise<WorkerFrame>;
  async take(match: (frame: WorkerFrame) => boolean, what: string, ms = WAIT_MS): Promise<WorkerFrame> {
    const end = Date.now() + ms;
    for (;;) {
      if (this.#error) throw this.#error;
      const at = this.#pending.findIndex(match);
      if (at >= 0) return this.#pending.splice(at, 1)[0];
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}; pending: ${JSON.stringify(this.#pending.map((f) => [f.type, f.id]))}`);
      await deadline(new Promise<void>((resolve) => this.#waiting.push(resolve)), left, what).catch(() => undefined);
    }
  }

  /** The frames not yet taken that match, taken now. */
  drain(match: (frame: WorkerFrame) => boolean): WorkerFrame[] {
    const taken = this.#pending.filter(match);
    this.#pending = this.#pending.filter((frame) => !match(frame));
    return taken;
  }
}

export interface WorkerRun {
  child: ChildProcess;
  /** Everything it wrote on stderr so far. */
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export class FakeExtension {
  readonly dir: string;
  readonly address: string;
  readonly secret = randomBytes(32);
  readonly #server: Server;
  readonly #peers: Peer[] = [];
  readonly #workers: WorkerRun[] = [];
  #wake: (() => void) | null = null;

  private constructor(dir: string, server: Server) {
    this.dir = dir;
    this.address = join(dir, 'worker.sock');
    this.#server = server;
    server.on('connection', (socket) => {
      this.#peers.push(new Peer(socket));
      this.#wake?.();
    });
  }

  static async start(): Promise<FakeExtension> {
    const dir = mkdtempSync(join(tmpdir(), 'isapi-node-ext-'));
    const ext = new FakeExtension(dir, createServer());
    await new Promise<void>((resolve, reject) => {
      ext.#server.once('error', reject);
      ext.#server.listen(ext.address, resolve);
    });
    return ext;
  }

  /** Connections so far. */
  get connections(): number {
    return this.#peers.length;
  }

  /** Starts `node [nodeArgs] main` and writes `line` (by default the real start line) on its stdin. */
  spawnWorker(main: string, options: { line?: string; nodeArgs?: string[] } = {}): WorkerRun {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), main], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout!.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.line ?? `${JSON.stringify({ address: this.address, secret: this.secret.toString('hex') })}\n`);
    const run = { child, stderr: () => stderr, exited };
    this.#workers.push(run);
    return run;
  }

  /** The `index`th connection, once it is made. */
  async accept(index = 0): Promise<Peer> {
    const end = Date.now() + WAIT_MS;
    while (this.#peers.length <= index) {
      if (Date.now() > end) throw new Error('timed out waiting for the worker to connect');
      await deadline(new Promise<void>((resolve) => (this.#wake = resolve)), end - Date.now(), 'a connection').catch(() => undefined);
    }
    return this.#peers[index];
  }

  async close(): Promise<void> {
    for (const peer of this.#peers) peer.socket.destroy();
    for (const worker of this.#workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await Promise.all(this.#workers.map((worker) => deadline(worker.exited, WAIT_MS, 'the worker to exit')));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export { deadline };
