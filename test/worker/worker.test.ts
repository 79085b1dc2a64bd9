// The out-of-process worker as the extension sees it: the real worker process (lib compiled, as
// dist/worker/main.js is) against a fake extension written here, frame by frame.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FrameType, MAX_CHUNK_BYTES, UNKNOWN_LENGTH, type Pairs, type RequestFrame, type SendFrame, type WorkerFrame } from '../../lib/worker/frames.js';
import { SEND_WINDOW_BYTES } from '../../lib/runtime/send-window.js';
import { projectRoot } from '../support/build.js';
import { FakeExtension, buildWorker, deadline, type Peer, type WorkerRun } from './fake-extension.js';

const fixtures = join(projectRoot, 'test', 'inprocess', 'fixtures');
const FEATURES = join(fixtures, 'features.app.mjs');
const HELLO = join(fixtures, 'hello.app.mjs');
const WORKER_APP = join(projectRoot, 'test', 'worker', 'fixtures', 'worker.app.mjs');

let main: string;
let removeBuild: () => void;
beforeAll(() => {
  ({ main, remove: removeBuild } = buildWorker());
});
afterAll(() => removeBuild?.());

let ext: FakeExtension;
beforeEach(async () => {
  ext = await FakeExtension.start();
});
afterEach(async () => {
  await ext.close();
});

type Of<K extends WorkerFrame['type']> = Extract<WorkerFrame, { type: K }>;
/** Matches frames of a type (and of a request, when `id` is given). */
const is =
  <K extends WorkerFrame['type']>(type: K, id?: number) =>
  (frame: WorkerFrame): frame is Of<K> =>
    frame.type === type && (id === undefined || frame.id === id);

const baseConfig = { app: FEATURES, export: '', validate: false, maxRequestBodyBytes: 30_000_000, processes: 1, index: 0, heartbeatMs: 60_000 };

async function startWorker(config: Partial<typeof baseConfig> = {}): Promise<{ run: WorkerRun; peer: Peer; ready: Of<typeof FrameType.ready> }> {
  const run = ext.spawnWorker(main);
  const peer = await ext.accept();
  await peer.take(is(FrameType.hello), 'HELLO');
  peer.send({ type: FrameType.welcome, id: 0, version: 1, configuration: JSON.stringify({ ...baseConfig, ...config }) });
  const ready = await peer.take(is(FrameType.ready), 'READY');
  return { run, peer, ready };
}

function request(id: number, target: string, more: Partial<RequestFrame> = {}): RequestFrame {
  const mark = target.indexOf('?');
  return {
    type: FrameType.request,
    id,
    bodyLength: 0,
    method: 'GET',
    path: mark < 0 ? target : target.slice(0, mark),
    query: mark < 0 ? '' : target.slice(mark + 1),
    rawUrl: target,
    headers: [['Host', 'localhost']],
    serverVariables: [['APPL_MD_PATH', '/LM/W3SVC/1/ROOT'], ['SERVER_NAME', 'localhost'], ['SERVER_PORT', '80'], ['SERVER_PROTOCOL', 'HTTP/1.1']],
    preload: new Uint8Array(0),
    ...more,
  };
}

interface Answer {
  head: SendFrame['head'];
  body: Buffer;
  sends: SendFrame[];
  aborted: string | null;
}

/** Collects one response: every SEND up to the final one (or an ABORT), answering SENTs as IIS would. */
async function response(peer: Peer, id: number, { credit = true } = {}): Promise<Answer> {
  const sends: SendFrame[] = [];
  for (;;) {
    const frame = await peer.take((f) => (f.type === FrameType.send || f.type === FrameType.abort) && f.id === id, `SEND or ABORT of request ${id}`);
    if (frame.type === FrameType.abort) return { head: sends[0]?.head ?? null, body: Buffer.concat(sends.map((s) => s.chunk)), sends, aborted: frame.reason };
    const send = frame as SendFrame;
    sends.push(send);
    if (send.final) return { head: sends[0].head, body: Buffer.concat(sends.map((s) => s.chunk)), sends, aborted: null };
    if (credit) peer.send({ type: FrameType.sent, id, failed: false, bytes: send.chunk.length });
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('starting', () => {
  it('says HELLO with the secret, takes WELCOME, loads the app, says READY and keeps a heartbeat', async () => {
    const run = ext.spawnWorker(main);
    const peer = await ext.accept();
    const hello = await peer.take(is(FrameType.hello), 'HELLO');
    expect(hello).toEqual({ type: FrameType.hello, id: 0, version: 1, pid: run.child.pid, nodeVersion: process.versions.node, secret: ext.secret });
    peer.send({ type: FrameType.welcome, id: 0, version: 1, configuration: JSON.stringify({ ...baseConfig, heartbeatMs: 20 }) });
    expect(await peer.take(is(FrameType.ready), 'READY')).toEqual({ type: FrameType.ready, id: 0, failure: null });
    await peer.take(is(FrameType.heartbeat), 'a HEARTBEAT');
    await peer.take(is(FrameType.heartbeat), 'a second HEARTBEAT');
    // Heartbeats start with WELCOME (a slow app load is not a hang), so one may come before READY.
    expect(peer.log.filter((f) => f.type !== FrameType.heartbeat).map((f) => f.type)).toEqual([FrameType.hello, FrameType.ready]);
  });

  it('refuses a WELCOME of another protocol version: exits non-zero with a message', async () => {
    const run = ext.spawnWorker(main);
    const peer = await ext.accept();
    await peer.take(is(FrameType.hello), 'HELLO');
    peer.send({ type: FrameType.welcome, id: 0, version: 2, configuration: JSON.stringify(baseConfig) });
    expect((await deadline(run.exited, 10_000, 'the exit')).code).toBe(1);
    expect(run.stderr()).toContain('the extension speaks protocol version 2, this worker 1');
    expect(peer.log.map((f) => f.type)).toEqual([FrameType.hello]);
  });

  it('refuses a configuration without a field it needs', async () => {
    const run = ext.spawnWorker(main);
    const peer = await ext.accept();
    await peer.take(is(FrameType.hello), 'HELLO');
    const { heartbeatMs: _dropped, ...partial } = baseConfig;
    peer.send({ type: FrameType.welcome, id: 0, version: 1, configuration: JSON.stringify(partial) });
    expect((await deadline(run.exited, 10_000, 'the exit')).code).toBe(2);
    expect(run.stderr()).toContain('"heartbeatMs" = nothing (expected a whole number)');
  });

  it.each([
    ['a module that is not there', join(fixtures, 'no-such.app.mjs'), 'app_not_found', 'was not found (check "app" in the configuration)'],
    ['a module that throws while it loads', join(fixtures, 'throws-at-load.app.mjs'), 'app_failed', 'this app fails while it is loaded'],
    ['an export that is not a function', join(fixtures, 'not-a-function.app.mjs'), 'app_failed', 'not an app function'],
  ])('reports %s in READY (failed), traces it, and stays until the connection closes', async (_what, app, kind, message) => {
    const { run, peer, ready } = await startWorker({ app });
    expect(ready.failure?.kind).toBe(kind);
    expect(ready.failure?.message).toContain(message);
    const trace = peer.log.find(is(FrameType.trace));
    expect(trace).toEqual({ type: FrameType.trace, id: 0, source: 'isapi-node', text: ready.failure?.message });
    await pause(100);
    expect(run.child.exitCode).toBeNull();
    peer.socket.end();
    expect(await deadline(run.exited, 10_000, 'the exit')).toEqual({ code: 0, signal: null });
  });

  it('exits 0 when the extension closes the connection', async () => {
    const { run, peer } = await startWorker();
    peer.socket.destroy();
    expect(await deadline(run.exited, 10_000, 'the exit')).toEqual({ code: 0, signal: null });
  });

  it('exits 2 with a message when the extension sends a bad frame', async () => {
    const { run, peer } = await startWorker();
    const bad = Buffer.alloc(16);
    bad[4] = 0x09;
    peer.socket.write(bad);
    expect((await deadline(run.exited, 10_000, 'the exit')).code).toBe(2);
    expect(run.stderr()).toContain('the extension sent a bad frame: a frame of unknown type 0x09');
  });

  it('refuses a Node older than 18 before it connects, with exit code 3', async () => {
    const preload = join(projectRoot, 'test', 'worker', 'fixtures', 'node-16.cjs');
    const run = ext.spawnWorker(main, { nodeArgs: ['--require', preload] });
    expect(await deadline(run.exited, 10_000, 'the exit')).toEqual({ code: 3, signal: null });
    expect(run.stderr()).toMatch(/needs Node 18 or later, but .* is Node 16\.20\.2: install Node 18 or later, or set "nodePath"/);
    expect(ext.connections).toBe(0);
  });

  it.each([
    ['not JSON', 'hello\n', 'it is not JSON'],
    ['nothing at all', '', 'standard input was empty'],
    ['no address', `${JSON.stringify({ secret: 'ab'.repeat(32) })}\n`, '"address" is missing'],
    ['a short secret', `${JSON.stringify({ address: '/x', secret: 'abcd' })}\n`, '"secret" is missing or not 64 hex digits'],
    ['a line over 4 KiB', `${JSON.stringify({ address: 'x'.repeat(5000), secret: 'ab'.repeat(32) })}\n`, 'longer than 4096 bytes'],
  ])('exits 1 with a message for a start line with %s', async (_what, line, message) => {
    const run = ext.spawnWorker(main, { line });
    expect(await deadline(run.exited, 10_000, 'the exit')).toEqual({ code: 1, signal: null });
    expect(run.stderr()).toContain('the worker expects one line {"address": "...", "secret": "<64 hex digits>"}');
    expect(run.stderr()).toContain(message);
    expect(ext.connections).toBe(0);
  });

  it('exits 1 with a message when nothing listens at the address', async () => {
    const run = ext.spawnWorker(main, { line: `${JSON.stringify({ address: join(ext.dir, 'nobody.sock'), secret: 'ab'.repeat(32) })}\n` });
    expect((await deadline(run.exited, 10_000, 'the exit')).code).toBe(1);
    expect(run.stderr()).toContain('could not connect to the extension at');
  });
});

describe('serving', () => {
  it('answers a request with the exact frames: head, body, final', async () => {
    const { peer } = await startWorker({ app: HELLO });
    peer.send(request(7, '/x?a=1'));
    const answer = await response(peer, 7);
    expect(answer.sends).toEqual([
      { type: FrameType.send, id: 7, head: { status: '200 OK', headers: [['Content-Type', 'text/plain']] }, final: true, chunk: Buffer.from('Hello from GET /x\n') },
    ]);
  });

  it('sends head, write() and body chunks in order, the head on the first SEND only', async () => {
    const { peer } = await startWorker();
    peer.send(request(1, '/write'));
    const answer = await response(peer, 1);
    expect(answer.body.toString()).toBe('written imperatively, then returned\n');
    expect(answer.sends.map((s) => [s.head !== null, s.final])).toEqual([[true, false], [false, false], [false, true]]);
  });

  it('answers an app failure with a 500 and traces it against the request', async () => {
    const { peer } = await startWorker();
    peer.send(request(3, '/throw'));
    const answer = await response(peer, 3);
    expect(answer.head?.status).toBe('500 Internal Server Error');
    const trace = await peer.take((f) => f.type === FrameType.trace && f.id === 3, 'the trace of request 3');
    expect(trace).toMatchObject({ source: 'app', text: expect.stringContaining('deliberate failure in the app') });
  });

  it('pulls a request body with one READ at a time, each at most 1 MiB', async () => {
    const { peer } = await startWorker();
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const preload = body.subarray(0, 1000);
    peer.send(request(5, '/upload', { method: 'POST', bodyLength: body.length, preload, headers: [['Host', 'h'], ['Content-Length', String(body.length)]] }));
    let at = preload.length;
    const maxes: number[] = [];
    while (at < body.length) {
      const read = await peer.take(is(FrameType.read, 5), 'a READ');
      maxes.push(read.max);
      // Time for a second READ to show up, if the worker were to send one.
      await pause(5);
      expect(peer.drain(is(FrameType.read, 5))).toEqual([]);
      const data = body.subarray(at, at + Math.min(read.max, 200_000));
      at += data.length;
      peer.send({ type: FrameType.body, id: 5, failed: false, data });
    }
    const answer = await response(peer, 5);
    expect(JSON.parse(answer.body.toString())).toEqual({ bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
    expect(maxes.every((max) => max >= 1 && max <= MAX_CHUNK_BYTES)).toBe(true);
    expect(peer.log.filter(is(FrameType.read))).toHaveLength(maxes.length);
  });

  it('reads a body of unknown length until an empty BODY', async () => {
    const { peer } = await startWorker();
    peer.send(request(6, '/upload', { method: 'POST', bodyLength: UNKNOWN_LENGTH, headers: [['Host', 'h'], ['Transfer-Encoding', 'chunked']] }));
    const parts = [Buffer.from('abc'), Buffer.from('defg')];
    for (const data of [...parts, Buffer.alloc(0)]) {
      await peer.take(is(FrameType.read, 6), 'a READ');
      peer.send({ type: FrameType.body, id: 6, failed: false, data });
    }
    const answer = await response(peer, 6);
    expect(JSON.parse(answer.body.toString())).toEqual({ bytes: 7, sha256: createHash('sha256').update('abcdefg').digest('hex') });
  });

  it('runs no more than the send window (plus one chunk) ahead of SENT credits', async () => {
    const { peer } = await startWorker();
    const size = 2 * 1024 * 1024;
    peer.send(request(9, `/download?bytes=${size}`));
    // No credit yet: the worker must stop once its window is full.
    const ahead: SendFrame[] = [];
    let bytes = 0;
    while (bytes <= SEND_WINDOW_BYTES) {
      const send = await peer.take(is(FrameType.send, 9), `SENDs past the window (${bytes} bytes so far)`);
      ahead.push(send);
      bytes += send.chunk.length;
    }
    await pause(300);
    for (const send of peer.drain(is(FrameType.send, 9)) as SendFrame[]) {
      ahead.push(send);
      bytes += send.chunk.length;
    }
    const chunk = 251 * 261;
    expect(bytes).toBeLessThanOrEqual(SEND_WINDOW_BYTES + chunk);
    expect(ahead.some((s) => s.final)).toBe(false);
    // The credits come: the rest follows, exact to the byte.
    for (const s of ahead) peer.send({ type: FrameType.sent, id: 9, failed: false, bytes: s.chunk.length });
    const rest = await response(peer, 9);
    const body = Buffer.concat([...ahead.map((s) => s.chunk), rest.body]);
    expect(body.length).toBe(size);
    const period = Buffer.alloc(chunk);
    for (let i = 0; i < chunk; i++) period[i] = i % 251;
    for (let at = 0; at < size; at += chunk) expect(body.subarray(at, at + chunk).equals(period.subarray(0, Math.min(chunk, size - at)))).toBe(true);
  });

  it('splits one write larger than 1 MiB into SENDs of at most 1 MiB, each waiting for its window', async () => {
    const { peer } = await startWorker({ app: WORKER_APP });
    const size = 2.5 * 1024 * 1024;
    peer.send(request(4, `/big?bytes=${size}`));
    const first = await peer.take(is(FrameType.send, 4), 'the first SEND');
    expect(first.head?.status).toBe('200 OK');
    expect(first.chunk.length).toBe(MAX_CHUNK_BYTES);
    expect(first.final).toBe(false);
    // 1 MiB is past the window: nothing more until its credit returns.
    await pause(200);
    expect(peer.drain(is(FrameType.send, 4))).toEqual([]);
    peer.send({ type: FrameType.sent, id: 4, failed: false, bytes: first.chunk.length });
    const rest = await response(peer, 4);
    expect(rest.sends.map((s) => [s.chunk.length, s.head, s.final])).toEqual([[MAX_CHUNK_BYTES, null, false], [size - 2 * MAX_CHUNK_BYTES, null, true]]);
    const body = rest.body;
    for (let i = 0; i < body.length; i += 4099) expect(body[i]).toBe((i + MAX_CHUNK_BYTES) % 253);
  });

  it('reads an isapi.file_wrapper file itself and sends it in SEND chunks', async () => {
    const { peer } = await startWorker();
    const content = randomBytes(1024 * 1024 + 12345);
    const file = join(ext.dir, 'payload.bin');
    writeFileSync(file, content);
    peer.send(request(8, `/file?path=${encodeURIComponent(file)}`));
    const answer = await response(peer, 8);
    expect(answer.body.equals(content)).toBe(true);
    expect(answer.head?.headers).toContainEqual(['Content-Length', String(content.length)]);
    expect(answer.sends.every((s, i) => (s.head !== null) === (i === 0) && s.final === (i === answer.sends.length - 1))).toBe(true);
    expect(Math.max(...answer.sends.map((s) => s.chunk.length))).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
  });

  it('on GONE mid-response: the app sees the signal, its last trace still arrives, no frame follows for the id', async () => {
    const { peer } = await startWorker();
    peer.send(request(11, '/disconnect-watch'));
    for (let i = 0; i < 3; i++) {
      const send = await peer.take(is(FrameType.send, 11), 'a SEND');
      peer.send({ type: FrameType.sent, id: 11, failed: false, bytes: send.chunk.length });
    }
    peer.send({ type: FrameType.gone, id: 11 });
    const trace = await peer.take((f) => f.type === FrameType.trace && f.text.includes('client gone seen'), 'the app\'s trace');
    expect(trace).toEqual({ type: FrameType.trace, id: 0, source: 'app', text: 'client gone seen: true' });
    peer.drain(is(FrameType.send, 11));
    await pause(100);
    expect(peer.drain((f) => f.id === 11)).toEqual([]);
    expect(peer.log.some(is(FrameType.abort, 11))).toBe(false);
    // Late credits for the forgotten id are ignored, and the worker serves on.
    peer.send({ type: FrameType.sent, id: 11, failed: false, bytes: 5000 });
    peer.send(request(12, '/write'));
    expect((await response(peer, 12)).body.toString()).toBe('written imperatively, then returned\n');
  });

  it('on a failed SENT: ends the request with ABORT', async () => {
    const { peer } = await startWorker();
    peer.send(request(13, '/download?bytes=1000000'));
    const send = await peer.take(is(FrameType.send, 13), 'a SEND');
    peer.send({ type: FrameType.sent, id: 13, failed: true, bytes: send.chunk.length });
    const answer = await response(peer, 13, { credit: false });
    expect(answer.aborted).toBe('client gone');
  });

  it('serves interleaved requests at once: a slow one does not hold up a quick one', async () => {
    const { peer } = await startWorker();
    const a = randomBytes(300_000);
    const b = randomBytes(200_000);
    peer.send(
      request(21, '/slow?ms=300'),
      request(22, '/upload', { method: 'POST', bodyLength: a.length }),
      request(23, '/upload', { method: 'POST', bodyLength: b.length }),
      request(24, '/write'),
    );
    const feed = async (id: number, body: Buffer) => {
      for (let at = 0; at < body.length; ) {
        const read = await peer.take(is(FrameType.read, id), `a READ of ${id}`);
        const data = body.subarray(at, at + Math.min(read.max, 50_000));
        at += data.length;
        peer.send({ type: FrameType.body, id, failed: false, data });
      }
    };
    const [slow, , , upA, upB, write] = await Promise.all([response(peer, 21), feed(22, a), feed(23, b), response(peer, 22), response(peer, 23), response(peer, 24)]);
    expect(slow.body.toString()).toBe('slow 300\n');
    expect(JSON.parse(upA.body.toString()).sha256).toBe(createHash('sha256').update(a).digest('hex'));
    expect(JSON.parse(upB.body.toString()).sha256).toBe(createHash('sha256').update(b).digest('hex'));
    expect(write.body.toString()).toBe('written imperatively, then returned\n');
    const finals = peer.log.filter((f): f is SendFrame => f.type === FrameType.send && f.final).map((f) => f.id);
    expect(finals.indexOf(24)).toBeLessThan(finals.indexOf(21));
    // The READs of the two uploads took turns on the connection, not one upload after the other.
    const reads = peer.log.filter(is(FrameType.read)).map((f) => f.id);
    expect(reads.lastIndexOf(22)).toBeGreaterThan(reads.indexOf(23));
  });

  it('writes the frames produced in one turn with one write', async () => {
    const { peer } = await startWorker();
    const before = peer.dataEvents;
    // Each answer is three SENDs many microtask hops apart (write(), then the body's chunks, each
    // after the previous send was taken), and all of it happens in the turn the REQUESTs arrived.
    peer.send(...Array.from({ length: 5 }, (_, i) => request(100 + i, '/write')));
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => response(peer, 100 + i, { credit: false })));
    expect(answers.map((a) => a.sends.length)).toEqual([3, 3, 3, 3, 3]);
    expect(peer.dataEvents - before).toBe(1);
  });

  it('answers server variables from the REQUEST and its headers, and nothing else', async () => {
    const { peer } = await startWorker({ app: WORKER_APP });
    const names = ['INSTANCE_ID', 'remote_addr', 'HTTP_X_FOO', 'HEADER_X-Foo', 'HTTP_ACCEPT_LANGUAGE', 'HTTP_URL', 'HTTP_MISSING', 'NO_SUCH', 'ALL_RAW'];
    const headers: Pairs = [['Host', 'h'], ['X-Foo', 'one'], ['x-foo', 'two'], ['Accept-Language', 'fr']];
    const vars: Pairs = [['REMOTE_ADDR', '10.0.0.7'], ['INSTANCE_ID', '3'], ['URL', '/vars']];
    peer.send(request(31, `/vars?${names.map((n) => `name=${encodeURIComponent(n)}`).join('&')}`, { headers, serverVariables: vars }));
    const answer = await response(peer, 31);
    expect(JSON.parse(answer.body.toString())).toEqual({
      INSTANCE_ID: '3',
      remote_addr: '10.0.0.7',
      HTTP_X_FOO: 'one, two',
      'HEADER_X-Foo': 'one, two',
      HTTP_ACCEPT_LANGUAGE: 'fr',
      HTTP_URL: null,
      HTTP_MISSING: null,
      NO_SUCH: null,
      ALL_RAW: null,
    });
  });

  it('puts only the record variables in the environ', async () => {
    const { peer } = await startWorker({ app: join(fixtures, 'environ.app.mjs'), processes: 3 });
    const vars: Pairs = [['APPL_MD_PATH', '/LM/W3SVC/1/ROOT/app'], ['REMOTE_ADDR', '10.0.0.7'], ['INSTANCE_ID', '3'], ['HTTPS', 'on'], ['SERVER_PORT', '443']];
    peer.send(request(32, '/app/here', { serverVariables: vars }));
    const environ = JSON.parse((await response(peer, 32)).body.toString()) as Record<string, unknown>;
    expect(environ).toMatchObject({
      SCRIPT_NAME: '/app',
      PATH_INFO: '/here',
      REMOTE_ADDR: '10.0.0.7',
      SERVER_PORT: '443',
      'wsgi.url_scheme': 'https',
      'wsgi.multiprocess': true,
      'wsgi.multithread': false,
      'isapi.server_variable(INSTANCE_ID)': '3',
      'isapi.server_variable(NO_SUCH)': null,
    });
    expect(environ).not.toHaveProperty('INSTANCE_ID');
  });

  it('traces an app\'s stray error on the connection and keeps serving', async () => {
    const { peer } = await startWorker({ app: WORKER_APP });
    peer.send(request(41, '/stray-error'));
    expect((await response(peer, 41)).head?.status).toBe('204 No Content');
    const trace = await peer.take((f) => f.type === FrameType.trace && f.text.startsWith('uncaught exception'), 'the stray error\'s trace');
    expect(trace).toMatchObject({ id: 0, source: 'app', text: expect.stringContaining('a stray error after the answer') });
    peer.send(request(42, '/vars'));
    expect((await response(peer, 42)).head?.status).toBe('200 OK');
  });
});
