// `isapi-node trace` against a trace file the test writes as the extension does (one write per
// record, a header line `TIMESTAMP [SOURCE] text`, a stack on the lines after it), appends to and
// rotates (FILE renamed to FILE.1, a fresh FILE): records printed as written and whole, a record
// still being written held back, the rotation followed without losing or repeating a record, the
// filters by request and by text, and the trace file found from a configuration.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { followTrace, RecordPrinter, traceFileOf } from '../../lib/cli/trace.js';
import { projectRoot } from '../support/build.js';

const cli = join(projectRoot, 'dist', 'cli', 'main.js');

let clock = Date.parse('2026-03-01T10:00:00.000Z');
/** One record as native/extension/trace.cc writes it. */
function record(source: string, text: string): string {
  clock += 1234;
  return `${new Date(clock).toISOString()} [${source}] ${text}\n`;
}

const STACK = 'isapi-node: request 12 (GET /boom): Error: boom\n    at handler (/site/app.js:10:11)\n    at runApp (/site/node_modules/isapi-node/dist/core/handler.js:120:5)';

function traceDir(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'isapi-trace-'));
  return { dir, file: join(dir, 'isapi_node.log') };
}

/** followTrace in the background, its output collected; `stop()` ends it and resolves with all it printed. */
function follow(file: string, options: { request?: string; grep?: string } = {}) {
  let out = '';
  const notes: string[] = [];
  const stop = new AbortController();
  const done = followTrace({ file, pollMs: 20, signal: stop.signal, write: (t) => (out += t), note: (t) => notes.push(t), ...options });
  return {
    output: () => out,
    notes,
    async until(check: (out: string) => boolean, ms = 5000): Promise<string> {
      const deadline = Date.now() + ms;
      while (!check(out)) {
        if (Date.now() > deadline) throw new Error(`timed out; printed so far:\n${out}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return out;
    },
    async stop(): Promise<string> {
      stop.abort();
      await done;
      return out;
    },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('isapi-node trace', () => {
  it('prints each record as written, timestamp and source included, a stack with its record (--once)', async () => {
    const { file } = traceDir();
    const records = [record('isapi-node', 'ready: /site/app.js with 1 JavaScript worker(s), configuration /site/isapi_node.json'), record('app', STACK), record('worker 4242', 'listening')];
    writeFileSync(file, records.join(''));
    let out = '';
    await followTrace({ file, once: true, write: (t) => (out += t) });
    expect(out).toBe(records.join(''));
    expect(out).toMatch(/^2026-03-01T10:00:0\d\.\d{3}Z \[isapi-node\] ready: /);
  });

  it('holds back a record still being written and prints it whole once complete', async () => {
    const { file } = traceDir();
    const first = record('isapi-node', 'ready');
    const stack = record('app', STACK);
    // A write read half done: cut inside a line (the end of a record is the end of a line, so a
    // record whose last line has ended is taken as complete once the file has been quiet for a poll).
    const cut = stack.indexOf('runApp');
    writeFileSync(file, first + stack.slice(0, cut));
    const f = follow(file);
    await f.until((out) => out === first);
    await pause(150); // several polls: the partial record stays held (its last line has no end yet)
    expect(f.output()).toBe(first);
    appendFileSync(file, stack.slice(cut));
    await f.until((out) => out === first + stack);
    const after = record('isapi-node', 'stopped');
    appendFileSync(file, after);
    expect(await f.stop()).toBe(first + stack + after);
  });

  it('follows the file across a rotation: the old file\'s rest from FILE.1, then the new file, nothing lost or repeated', async () => {
    const { file } = traceDir();
    const before = [record('isapi-node', 'ready'), record('app', 'one')];
    writeFileSync(file, before.join(''));
    const f = follow(file);
    await f.until((out) => out === before.join(''));
    // Written to the old file after the last read, then the extension rotates: FILE → FILE.1.
    const late = [record('app', 'two'), record('app', STACK)];
    appendFileSync(file, late.join(''));
    renameSync(file, `${file}.1`);
    const fresh = [record('app', 'three (in the new file)'), record('isapi-node', 'stopped')];
    writeFileSync(file, fresh[0]);
    await f.until((out) => out.includes('three'));
    appendFileSync(file, fresh[1]);
    // And a second rotation, with the follower keeping up.
    await f.until((out) => out.includes('stopped'));
    renameSync(file, `${file}.1`);
    const third = record('isapi-node', 'ready again');
    writeFileSync(file, third);
    const out = await f.until((o) => o.includes('ready again'));
    expect(out).toBe([...before, ...late, ...fresh, third].join(''));
    expect(await f.stop()).toBe(out);
    expect(f.notes).toEqual([]);
  });

  it('waits for a trace file that does not exist yet', async () => {
    const { file } = traceDir();
    const f = follow(file);
    await pause(60);
    const first = record('isapi-node', 'ready');
    writeFileSync(file, first);
    await f.until((out) => out === first);
    await f.stop();
    expect(f.notes).toEqual([`${file} does not exist yet; waiting for it`]);
  });

  it('--request ID: only the records about that request, whole, with the repeat count after one', async () => {
    const { file } = traceDir();
    const about12 = [
      record('app', STACK),
      record('app', '… the record above came 3 more time(s) within 10 s'),
      record('isapi-node', 'request 12 (GET /slow) ran past "requestTimeoutMs" (120000 ms): ending it with 504, or closing its connection if its headers had left'),
      record('isapi-node', 'request 12: the response head was refused (a CR in a header value); a 500 page goes instead'),
    ];
    const others = [
      record('isapi-node', 'ready'),
      record('app', 'isapi-node: request 123 (GET /other): Error: other'),
      record('app', '… the record above came 1 more time(s) within 10 s'),
      record('app', 'isapi-node: request 1 (GET /): Error: one'),
    ];
    writeFileSync(file, [others[0], about12[0], about12[1], others[1], others[2], about12[2], others[3], about12[3]].join(''));
    let out = '';
    await followTrace({ file, once: true, request: '12', write: (t) => (out += t) });
    expect(out).toBe(about12.join(''));
    // While following, too.
    const f = follow(file, { request: '123' });
    await f.until((o) => o === others[1] + others[2]);
    const more = record('app', 'isapi-node: request 123 (GET /other): the response could not be sent: gone');
    appendFileSync(file, record('app', 'isapi-node: request 124 (GET /x): no') + more);
    expect(await f.until((o) => o.includes('could not be sent'))).toBe(others[1] + others[2] + more);
    await f.stop();
  });

  it('--grep TEXT: the records holding the text, in their header or their stack', async () => {
    const { file } = traceDir();
    const records = [record('isapi-node', 'ready'), record('app', STACK), record('worker 4242', 'handler.js is fine')];
    writeFileSync(file, records.join(''));
    let out = '';
    await followTrace({ file, once: true, grep: 'handler.js', write: (t) => (out += t) });
    expect(out).toBe(records[1] + records[2]);
    out = '';
    await followTrace({ file, once: true, grep: '[worker 4242]', write: (t) => (out += t) });
    expect(out).toBe(records[2]);
  });

  it('keeps a record whole when it arrives in pieces cut anywhere, even inside a UTF-8 character', () => {
    const text = record('app', 'café Δ\n    at x') + record('app', 'ünïcode') + record('isapi-node', 'done');
    for (const cut of [1, 7, 31, 40, 41, 42, 60]) {
      let out = '';
      const printer = new RecordPrinter({}, (t) => (out += t));
      printer.push(text.slice(0, cut));
      printer.push(text.slice(cut));
      printer.flush();
      expect(out).toBe(text);
    }
  });

  describe('the trace file of a configuration', () => {
    it('is its "trace" key, relative to the configuration, comments allowed', () => {
      const { dir } = traceDir();
      const config = join(dir, 'isapi_node.json');
      writeFileSync(config, '{\n  // the app\n  "app": "app.js", /* and its trace */ "trace": "logs/trace.log"\n}\n');
      expect(traceFileOf(config, 'linux')).toBe(join(dir, 'logs', 'trace.log'));
      expect(traceFileOf(config, 'win32')).toBe(join(dir, 'logs', 'trace.log'));
    });

    it('is isapi_node.log beside the configuration on Windows when it has no "trace"', () => {
      const { dir } = traceDir();
      const config = join(dir, 'isapi_node.json');
      writeFileSync(config, JSON.stringify({ app: 'app.js' }));
      expect(traceFileOf(config, 'win32')).toBe(join(dir, 'isapi_node.log'));
      expect(() => traceFileOf(config, 'linux')).toThrow(/has no "trace": on this platform the trace channel then goes to the standard error/);
    });

    it('is no file when it says "stderr"', () => {
      const { dir } = traceDir();
      const config = join(dir, 'isapi_node.json');
      writeFileSync(config, JSON.stringify({ app: 'app.js', trace: 'stderr' }));
      expect(() => traceFileOf(config, 'win32')).toThrow(`${config} sends the trace to stderr, not to a file`);
    });
  });

  describe('on the command line', () => {
    const run = (args: string[], cwd = projectRoot) => spawnSync(process.execPath, [cli, 'trace', ...args], { encoding: 'utf8', cwd });

    it('follows --config\'s trace file, filtered', () => {
      const { dir, file } = traceDir();
      const config = join(dir, 'isapi_node.json');
      writeFileSync(config, JSON.stringify({ app: 'app.js', trace: 'isapi_node.log' }));
      const ready = record('isapi-node', 'ready');
      const failed = record('app', STACK);
      writeFileSync(file, ready + failed);
      const r = run(['--config', config, '--once', '--request', '12']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(failed);
      // Without --config, the isapi_node.json of the current folder.
      const here = run(['--once', '--grep', 'ready'], dir);
      expect(here.status).toBe(0);
      expect(here.stdout).toBe(ready);
    });

    it('says where the trace goes on Linux when the configuration has no "trace", and refuses a bad --request', () => {
      const { dir } = traceDir();
      const config = join(dir, 'isapi_node.json');
      writeFileSync(config, JSON.stringify({ app: 'app.js' }));
      const r = run(['--config', config]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`isapi-node: ${config} has no "trace": on this platform the trace channel then goes to the standard error`);
      const bad = run([join(dir, 'x.log'), '--request', 'GET']);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toBe('isapi-node: --request takes a request id (a whole number, as in "request 12"), not "GET"\n');
    });
  });
});
