// An out-of-process worker's life (docs/protocol.md): the start line from standard input, the
// connection and its handshake (HELLO, WELCOME), the app loaded as in process, READY, then requests
// until the connection closes, which is also when the process ends.

import { writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { prepareApp, traceStrayErrors, type TraceTo } from '../runtime/prepare-app.js';
import { parseConfiguration, type WorkerConfiguration } from './configuration.js';
import { Connection } from './connection.js';
import { FrameType, PROTOCOL_VERSION, ProtocolError, frameName, traceFrame, type ExtensionFrame, type WelcomeFrame } from './frames.js';
import { Requests } from './requests.js';
import { parseStartLine, readStartLine, type StartLine } from './start-line.js';

/** Exit codes, for the extension's trace of a worker that ended. */
export const ExitCode = {
  /** The connection closed: the extension is done with this worker. */
  closed: 0,
  /** It could not start: the start line, the connection, the handshake. */
  startFailed: 1,
  /** The connection broke, or the extension broke the protocol. */
  broken: 2,
} as const;

/** Set when the worker itself decides to end; any other exit is the app's process.exit(). */
let leaving = false;

/** Ends the worker because the connection closed: the extension is done with it. */
function leave(code: number): never {
  leaving = true;
  process.exit(code);
}

/**
 * Says on stderr (and so on the trace channel) that the app called process.exit(): the extension
 * sees only an exit code. Synchronous: nothing asynchronous runs once the process is exiting.
 */
function traceAppExit(): void {
  process.on('exit', (code) => {
    if (leaving) return;
    try {
      writeSync(2, `isapi-node: the app ended this worker: process.exit(${code}) was called\n`);
    } catch {
      // Nowhere to say it; the exit code still tells.
    }
  });
}

/** Ends the process at once (requests in flight have nobody to answer to), saying why on stderr. */
function fatal(message: string, code: number): never {
  leaving = true;
  // process.stderr on a Windows pipe writes asynchronously; exit() would lose what it had queued.
  try {
    writeSync(2, `${message}\n`);
  } catch {
    // Nowhere left to say it; the exit code still tells.
  }
  process.exit(code);
}

function connectTo(address: string): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect(address);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

type Stage = 'welcome' | 'loading' | 'serving' | 'failed';

async function serve(start: StartLine): Promise<void> {
  let socket: Socket;
  try {
    socket = await connectTo(start.address);
  } catch (error) {
    fatal(`isapi-node: the worker could not connect to the extension at ${start.address}: ${(error as Error).message}`, ExitCode.startFailed);
  }

  let stage: Stage = 'welcome';
  let requests: Requests | null = null;
  let welcome!: (frame: WelcomeFrame) => void;
  const welcomed = new Promise<WelcomeFrame>((resolve) => (welcome = resolve));

  const onFrame = (frame: ExtensionFrame): void => {
    if (stage === 'serving' && requests) return requests.dispatch(frame);
    if (stage === 'welcome' && frame.type === FrameType.welcome) {
      stage = 'loading';
      return welcome(frame);
    }
    const expected = stage === 'welcome' ? 'WELCOME' : stage === 'loading' ? 'READY' : 'a successful READY';
    throw new ProtocolError(`a ${frameName(frame.type)} frame before ${expected}`);
  };
  const onEnd = (problem: string | null): void => {
    if (problem) fatal(`isapi-node: ${problem}`, ExitCode.broken);
    // Closed before WELCOME: the extension refused this worker (its trace says why).
    if (stage === 'welcome') fatal('isapi-node: the extension closed the connection before WELCOME', ExitCode.startFailed);
    leave(ExitCode.closed);
  };
  const connection = new Connection(socket, { frame: onFrame, end: onEnd });

  connection.send({ type: FrameType.hello, id: 0, version: PROTOCOL_VERSION, pid: process.pid, nodeVersion: process.versions.node, secret: start.secret });
  const { version, configuration } = await welcomed;
  if (version !== PROTOCOL_VERSION) {
    fatal(
      `isapi-node: the extension speaks protocol version ${version}, this worker ${PROTOCOL_VERSION}: ` +
        'the extension and this package\'s dist/ come from different builds (reinstall isapi-node)',
      ExitCode.startFailed,
    );
  }
  let config: WorkerConfiguration;
  try {
    config = parseConfiguration(configuration);
  } catch (error) {
    fatal(`isapi-node: the extension sent a bad frame: ${(error as Error).message}`, ExitCode.broken);
  }

  // From here even a slow load (an app that awaits a database at the top level) shows the
  // extension a live loop; unreferenced, so the timer alone never keeps the process.
  if (config.heartbeatMs > 0) setInterval(() => connection.send({ type: FrameType.heartbeat, id: 0 }), config.heartbeatMs).unref();

  const trace: TraceTo = (source, text) => connection.send(traceFrame(0, source, text));
  traceStrayErrors(trace);
  const prepared = await prepareApp({ ...config, workers: config.processes }, trace);
  if ('failure' in prepared) {
    // The worker stays connected: the extension decides what a worker that cannot serve is for
    // (answering 500 pages meanwhile, a restart later) and ends it by closing the connection.
    stage = 'failed';
    connection.send({ type: FrameType.ready, id: 0, failure: prepared.failure });
    return;
  }
  traceAppExit();
  requests = new Requests(connection, prepared.app, prepared.options);
  stage = 'serving';
  connection.send({ type: FrameType.ready, id: 0, failure: null });
}

export async function run(): Promise<void> {
  let start: StartLine;
  try {
    start = parseStartLine(await readStartLine(process.stdin));
  } catch (error) {
    fatal((error as Error).message, ExitCode.startFailed);
  }
  await serve(start).catch((error: unknown) =>
    fatal(`isapi-node: the worker failed to start: ${(error as Error)?.stack ?? String(error)}`, ExitCode.startFailed),
  );
}
