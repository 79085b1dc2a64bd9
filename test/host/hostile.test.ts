// The hostile modes: isapi-host behaving as IIS may at its worst (--hostile and each of its parts),
// and the contract check that only threads can trip (done_during_call). The reference extension is
// written to survive all of it, so every mode must still give exact bytes and no violation.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startHost, stopClean, type RunningHost } from '../support/host.js';
import { rawExchange, request, requestHashed, sha256, streamPatternSha256 } from '../support/http.js';

interface Where {
  procThread: string;
  completionThread: string;
  inline: boolean;
}
interface ReadEnd {
  received: number;
  lastBytes: number;
  lastError: number;
}

const ERROR_HANDLE_EOF = 38;
const json = <T>(body: Buffer) => JSON.parse(body.toString()) as T;
const where = async (host: RunningHost) => json<Where>((await request(`${host.url}/where`)).body);

/** cbAvailable of `count` requests, one after another (session ids 1..count, as a replay needs). */
async function preloadSizes(host: RunningHost, count: number, bodySize: number): Promise<number[]> {
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await request(`${host.url}/vars`, { method: 'POST', body: Buffer.alloc(bodySize, 7) });
    const { ecb } = json<{ ecb: { cbAvailable: number; cbTotalBytes: number; lpbDataTerminated: boolean } }>(res.body);
    expect(ecb).toMatchObject({ cbTotalBytes: bodySize, lpbDataTerminated: true });
    sizes.push(ecb.cbAvailable);
  }
  return sizes;
}

/** The variable's raw bytes as GetServerVariable gave them (terminator included), or null. */
async function rawVariable(host: RunningHost, path: string, name: string): Promise<Buffer | null> {
  const wire = await rawExchange(host.port, `GET ${path}?${name} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
  const body = Buffer.from(wire.slice(wire.indexOf('\r\n\r\n') + 4), 'latin1');
  return wire.startsWith('HTTP/1.1 404') && body.toString() === 'ERROR_INVALID_INDEX\n' ? null : body;
}

const readEnd = async (host: RunningHost, body: Buffer) =>
  json<ReadEnd>((await request(`${host.url}/read-end`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body })).body);

describe('--seed', () => {
  it('is printed at start and recorded in the stats file, also when the clock chose it', async () => {
    const host = await startHost();
    expect(host.seed).toMatch(/^\d+$/);
    expect(host.stderr()).toContain(`isapi-host: seed ${host.seed} (replay with --seed ${host.seed})\n`);
    const stats = await stopClean(host);
    expect(String(stats.seed)).toBe(host.seed);
  });

  it('replays the same choices: the same preload sizes for the same seed, others for another', async () => {
    const runs: number[][] = [];
    for (const seed of ['4242', '4242', '4243']) {
      const host = await startHost({ args: ['--seed', seed] });
      expect(host.seed).toBe(seed);
      runs.push(await preloadSizes(host, 12, 10_000));
      await stopClean(host);
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).not.toEqual(runs[0]);
    expect(new Set(runs[0]).size).toBeGreaterThan(1);
  });
});

describe('--preload', () => {
  it('random: any size from 0 to min(Content-Length, 48 KiB) per request, and every body still arrives whole', async () => {
    const host = await startHost({ args: ['--preload', 'random', '--seed', '77'] });
    const sizes = await preloadSizes(host, 20, 60_000);
    expect(new Set(sizes).size).toBeGreaterThan(5);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(49_152);
    expect(Math.min(...(await preloadSizes(host, 40, 3)))).toBe(0); // 0 included, as IIS allows
    for (let i = 0; i < 6; i++) {
      const body = randomBytes(100_000 + i * 997);
      for (const route of ['/echo', '/echo-async']) {
        const res = await request(`${host.url}${route}`, { method: 'POST', body });
        expect(sha256(res.body), route).toBe(sha256(body));
      }
    }
    await stopClean(host);
  });

  it('a number pins it', async () => {
    const host = await startHost({ args: ['--preload', '1000'] });
    expect(new Set(await preloadSizes(host, 5, 10_000))).toEqual(new Set([1000]));
    await stopClean(host);
  });
});

describe('--code-page', () => {
  const path = '/var/h%C3%A9llo/%E6%97%A5%E6%9C%AC';
  const ansi = (text: string) => Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from([0])]);
  const wide = (text: string) => Buffer.from(`${text}\0`, 'utf16le');

  it('1252: paths and identities in Windows-1252 with ? for what it lacks, exact in their UNICODE_ forms', async () => {
    const site = mkdtempSync(join(tmpdir(), 'isapi-site-'));
    const host = await startHost({ args: ['--code-page', '1252', '--physical-path', site, '--auth-user', 'CONTOSO\\José€'] });
    for (const name of ['URL', 'PATH_INFO', 'SCRIPT_NAME', 'lpszPathInfo'])
      expect(await rawVariable(host, path, name), name).toEqual(ansi('/var/h\xe9llo/??'));
    for (const name of ['PATH_TRANSLATED', 'lpszPathTranslated'])
      expect(await rawVariable(host, path, name), name).toEqual(ansi(`${site}/var/h\xe9llo/??`));
    for (const name of ['AUTH_USER', 'LOGON_USER', 'REMOTE_USER'])
      expect(await rawVariable(host, path, name), name).toEqual(ansi('CONTOSO\\Jos\xe9\x80')); // € is 0x80 in 1252
    expect(await rawVariable(host, path, 'UNICODE_URL')).toEqual(wide('/var/héllo/日本'));
    expect(await rawVariable(host, path, 'UNICODE_PATH_TRANSLATED')).toEqual(wide(`${site}/var/héllo/日本`));
    expect(await rawVariable(host, path, 'UNICODE_AUTH_USER')).toEqual(wide('CONTOSO\\José€'));
    // What was received stays as received.
    expect(await rawVariable(host, path, 'UNENCODED_URL')).toEqual(ansi(`${path}?UNENCODED_URL`));
    // A correct extension reads the path from UNICODE_PATH_INFO when the ANSI form may be damaged.
    const res = await request(`${host.url}/h%C3%A9llo/%E6%97%A5%E6%9C%AC`);
    expect(res.body.toString()).toBe('no route for /héllo/日本\n');
    await stopClean(host);
  });

  it('utf8 (the default without --hostile): the ANSI forms are the UTF-8 bytes', async () => {
    const host = await startHost({ hostile: false });
    expect(await rawVariable(host, path, 'URL')).toEqual(Buffer.from('/var/héllo/日本\0'));
    expect(await rawVariable(host, path, 'UNICODE_URL')).toEqual(wide('/var/héllo/日本'));
    await stopClean(host);
  });

  for (const hostile of [true, false]) {
    it(`refuses UNICODE_ forms of headers and other variables with ERROR_INVALID_INDEX (${hostile ? 'hostile' : 'plain'})`, async () => {
      const host = await startHost({ hostile });
      for (const name of ['UNICODE_HTTP_HOST', 'UNICODE_HEADER_Host', 'UNICODE_QUERY_STRING', 'UNICODE_REMOTE_ADDR', 'UNICODE_ALL_RAW'])
        expect(await rawVariable(host, '/var', name), name).toBeNull();
      expect(await rawVariable(host, '/var', 'HTTP_HOST')).toEqual(Buffer.from('t\0'));
      await stopClean(host);
    });
  }
});

describe('--chunked-end', () => {
  const body = randomBytes(200_000);

  it('zero: the end of a chunked upload is a completion of 0 bytes with no error', async () => {
    const host = await startHost({ args: ['--chunked-end', 'zero'] });
    expect(await readEnd(host, body)).toEqual({ received: body.length, lastBytes: 0, lastError: 0 });
    await stopClean(host);
  });

  it('error: ... with ERROR_HANDLE_EOF; synchronous ReadClient still ends with TRUE and 0 bytes', async () => {
    const host = await startHost({ args: ['--chunked-end', 'error'] });
    expect(await readEnd(host, body)).toEqual({ received: body.length, lastBytes: 0, lastError: ERROR_HANDLE_EOF });
    for (const route of ['/echo', '/echo-async']) {
      const res = await request(`${host.url}${route}`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body });
      expect(sha256(res.body), route).toBe(sha256(body));
    }
    await stopClean(host);
  });

  it('random: either, request by request', async () => {
    const host = await startHost({ args: ['--chunked-end', 'random', '--seed', '99'] });
    const errors = new Set<number>();
    for (let i = 0; i < 16; i++) errors.add((await readEnd(host, body.subarray(0, 1000 + i))).lastError);
    expect(errors).toEqual(new Set([0, ERROR_HANDLE_EOF]));
    await stopClean(host);
  });
});

describe('--proc-thread', () => {
  it('own: HttpExtensionProc on the thread that owns the connection; pool: on an IIS pool thread', async () => {
    const own = await startHost({ args: ['--proc-thread', 'own'] });
    expect((await where(own)).procThread).toMatch(/^host-io-\d+$/);
    await stopClean(own);
    const pool = await startHost({ args: ['--proc-thread', 'pool', '--iis-threads', '2'] });
    for (let i = 0; i < 4; i++) expect((await where(pool)).procThread).toMatch(/^iis-pool-[01]$/);
    await stopClean(pool);
  });
});

describe('--completions', () => {
  const site = mkdtempSync(join(tmpdir(), 'isapi-site-'));
  const file = randomBytes(1024 * 1024 + 17);
  writeFileSync(join(site, 'payload.bin'), file);
  const upload = randomBytes(3 * 1024 * 1024 + 5);

  // Each route's completions, and exact bytes through every async path with no violation.
  const expected: Record<string, (w: Where) => void> = {
    own: (w) => expect(w).toEqual({ procThread: w.completionThread, completionThread: expect.stringMatching(/^host-io-/), inline: false }),
    other: (w) => expect(w).toMatchObject({ completionThread: expect.stringMatching(/^iis-pool-/), inline: false }),
    delayed: (w) => expect(w).toMatchObject({ completionThread: expect.stringMatching(/^iis-pool-/), inline: false }),
    inline: (w) => expect(w).toEqual({ procThread: w.completionThread, completionThread: w.procThread, inline: true }),
    mixed: () => {},
  };
  for (const [mode, check] of Object.entries(expected)) {
    it(`${mode}: completions arrive as said, and every async path stays byte-exact`, async () => {
      const host = await startHost({ args: ['--completions', mode, '--proc-thread', 'own', '--physical-path', site, '--seed', '5'] });
      for (let i = 0; i < 4; i++) check(await where(host));
      const stream = await requestHashed(`${host.url}/stream?bytes=${5 * 1024 * 1024}`);
      expect(stream.sha256).toBe(streamPatternSha256(5 * 1024 * 1024));
      for (const headers of [{}, { 'Transfer-Encoding': 'chunked' }] as Record<string, string>[]) {
        const echo = await request(`${host.url}/echo-async`, { method: 'POST', headers, body: upload });
        expect(sha256(echo.body)).toBe(sha256(upload));
      }
      expect(sha256((await request(`${host.url}/file?name=payload.bin`)).body)).toBe(sha256(file));
      await stopClean(host);
    });
  }

  it('mixed: each completion takes one of the routes at random', async () => {
    const host = await startHost({ args: ['--completions', 'mixed', '--proc-thread', 'own', '--seed', '5'] });
    const kinds = new Set<string>();
    for (let i = 0; i < 24; i++) {
      const w = await where(host);
      kinds.add(w.inline ? 'inline' : w.completionThread.startsWith('iis-pool-') ? 'pool' : 'own');
    }
    expect(kinds).toEqual(new Set(['inline', 'pool', 'own']));
    await stopClean(host);
  });

  it('--completion-delay-us: delayed completions wait up to that long', async () => {
    const timed = async (delayUs: string) => {
      const host = await startHost({ args: ['--completions', 'delayed', '--completion-delay-us', delayUs, '--seed', '3'] });
      const started = Date.now();
      for (let i = 0; i < 10; i++) await where(host);
      const elapsed = Date.now() - started;
      await stopClean(host);
      return elapsed;
    };
    expect(await timed('100000')).toBeGreaterThan(150); // ten random delays of up to 100 ms
    expect(await timed('0')).toBeLessThan(150);
  });
});

describe('--call-jitter-us', () => {
  it('makes some callbacks sleep: /vars (some 40 calls) slows down by tens of milliseconds', async () => {
    const timed = async (jitterUs: string) => {
      const host = await startHost({ args: ['--call-jitter-us', jitterUs, '--seed', '11'] });
      const started = Date.now();
      for (let i = 0; i < 3; i++) await request(`${host.url}/vars`);
      const elapsed = Date.now() - started;
      await stopClean(host);
      return elapsed;
    };
    expect(await timed('20000')).toBeGreaterThan(120); // ~10 sleeps of up to 20 ms per request
    expect(await timed('0')).toBeLessThan(120);
  });
});

describe('done_during_call', () => {
  it('reports DONE_WITH_SESSION while another thread is inside a call on the same ECB, and exits 3', async () => {
    // Nothing preloaded: the extension's reader waits inside ReadClient for the body held back here.
    const host = await startHost({ args: ['--preload', '0'] });
    const socket = net.connect(host.port, '127.0.0.1');
    const closed = new Promise((r) => socket.once('close', r));
    await new Promise((r) => socket.once('connect', r));
    let wire = '';
    socket.on('data', (c: Buffer) => (wire += c.toString('latin1')));
    socket.write('POST /breach?kind=done-during-call HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\nConnection: close\r\n\r\n');
    await new Promise((r) => setTimeout(r, 500)); // the extension has answered and sent DONE by now
    expect(wire).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\ndone during a call\n$/);
    socket.write(Buffer.alloc(10, 1)); // lets the read, then DONE, finish
    await closed;
    const { code, stats } = await host.stop();
    expect(stats.violations.map((v) => v.kind)).toEqual(['done_during_call']);
    expect(code).toBe(3);
    expect(host.stderr()).toContain('contract violation [done_during_call]');
  });
});
