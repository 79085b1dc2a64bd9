// What the client receives from the dev server: status, headers, framing and body, as the native
// extension frames them under IIS.
import { mkdtempSync, openSync, closeSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DevServer } from '../../lib/serve/index.js';
import { devServers } from '../support/dev-servers.js';
import { rawExchange, request } from '../support/http.js';
import { deferred, environDump } from './fixtures/apps.js';

const { start, traces } = devServers();

/** The response as it was on the wire: status line, header lines (minus Date), body. */
async function wire(server: DevServer, method = 'GET', path = '/'): Promise<{ status: string; headers: string[]; body: string }> {
  const text = await rawExchange(server.port, `${method} ${path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
  const end = text.indexOf('\r\n\r\n');
  const [status, ...headers] = text.slice(0, end).split('\r\n');
  return { status, headers: headers.filter((line) => !line.startsWith('Date: ')), body: text.slice(end + 4) };
}

describe('status and headers', () => {
  it('sends the status line, the headers in order with repeats, and a one-chunk body with its length', async () => {
    const server = await start((_environ, startResponse) => {
      startResponse('201 Created Here', [
        ['Content-Type', 'text/plain; charset=utf-8'],
        ['Set-Cookie', 'a=1'],
        ['X-Custom', 'one'],
        ['Set-Cookie', 'b=2'],
      ]);
      return ['héllo'];
    });
    const res = await wire(server);
    expect(res.status).toBe('HTTP/1.1 201 Created Here');
    expect(res.headers).toEqual([
      'Content-Type: text/plain; charset=utf-8',
      'Set-Cookie: a=1',
      'X-Custom: one',
      'Set-Cookie: b=2',
      'Content-Length: 6',
      'Connection: close',
    ]);
    expect(Buffer.from(res.body, 'latin1').toString()).toBe('héllo');
  });

  it('keeps the Content-Length the app set and adds none of its own', async () => {
    const server = await start((_environ, startResponse) => {
      startResponse('200 OK', [['Content-Length', '5']]);
      return ['ab', 'cde'];
    });
    const res = await wire(server);
    expect(res.headers.filter((line) => /^content-length|^transfer-encoding/i.test(line))).toEqual(['Content-Length: 5']);
    expect(res.body).toBe('abcde');
  });

  it('sends a body of several chunks chunked, when the app set no length', async () => {
    const server = await start((_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['ab', 'cde'];
    });
    const res = await wire(server);
    expect(res.headers).toContain('Transfer-Encoding: chunked');
    expect(res.body).toBe('2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n');
  });

  it('answers an empty body with Content-Length: 0', async () => {
    const server = await start((_environ, startResponse) => {
      startResponse('200 OK', []);
      return [];
    });
    const res = await wire(server);
    expect(res.headers).toContain('Content-Length: 0');
    expect(res.body).toBe('');
  });

  it('sends 204 and 304 without a body or a length', async () => {
    const server = await start((environ, startResponse) => {
      startResponse(environ.PATH_INFO === '/304' ? '304 Not Modified' : '204 No Content', [['ETag', '"x"']]);
      return [];
    });
    for (const path of ['/204', '/304']) {
      const res = await wire(server, 'GET', path);
      expect(res.headers.some((line) => /^content-length|^transfer-encoding/i.test(line))).toBe(false);
      expect(res.body).toBe('');
    }
  });

  it('sends write() output in order with the body', async () => {
    const server = await start((_environ, startResponse) => {
      const write = startResponse('200 OK', []);
      write('one ');
      write('two ');
      return ['three'];
    });
    expect((await request(`${server.url}/`)).body.toString()).toBe('one two three');
  });
});

describe('HEAD', () => {
  it('sends the headers and the length of the body it would have sent, and no body', async () => {
    let produced = false;
    const server = await start((_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      produced = true;
      return ['twelve bytes'];
    });
    const res = await wire(server, 'HEAD');
    expect(res.status).toBe('HTTP/1.1 200 OK');
    expect(res.headers).toContain('Content-Length: 12');
    expect(res.body).toBe('');
    expect(produced).toBe(true);
  });
});

describe('streaming', () => {
  it('delivers each chunk to the client while the app is still producing the next', async () => {
    const release = deferred();
    const server = await start((_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'first;';
        await release.promise;
        yield 'second';
      })();
    });
    const chunks: string[] = [];
    const status = await new Promise<number>((resolve, reject) => {
      http
        .get(`${server.url}/`, { agent: false }, (res) => {
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk.toString());
            // The app is still waiting: this chunk left before the body ended.
            if (chunks.length === 1) release.resolve();
          });
          res.on('end', () => resolve(res.statusCode!));
        })
        .on('error', reject);
    });
    expect(status).toBe(200);
    expect(chunks).toEqual(['first;', 'second']);
  });
});

describe('the file wrapper', () => {
  const dir = mkdtempSync(join(tmpdir(), 'isapi-serve-'));
  const file = join(dir, 'data.txt');
  writeFileSync(file, '0123456789abcdefghij');

  it('sends a file range with its length', async () => {
    const server = await start((environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return environ['isapi.file_wrapper'](file, { offset: 5, length: 10 });
    });
    const res = await wire(server);
    expect(res.headers).toContain('Content-Length: 10');
    expect(res.body).toBe('56789abcde');
  });

  it('leaves a descriptor the app passed open', async () => {
    const fd = openSync(file, 'r');
    try {
      const server = await start((environ, startResponse) => {
        startResponse('200 OK', []);
        return environ['isapi.file_wrapper'](fd);
      });
      expect((await request(`${server.url}/`)).body.toString()).toBe('0123456789abcdefghij');
      expect((await request(`${server.url}/`)).body.toString()).toBe('0123456789abcdefghij');
    } finally {
      closeSync(fd);
    }
  });

  it('sends no body for HEAD', async () => {
    const server = await start((environ, startResponse) => {
      startResponse('200 OK', []);
      return environ['isapi.file_wrapper'](file);
    });
    const res = await wire(server, 'HEAD');
    expect(res.headers).toContain('Content-Length: 20');
    expect(res.body).toBe('');
  });
});

describe('app failures', () => {
  it('answers 500 when the app throws before its headers left, with the error on the trace channel', async () => {
    const server = await start(() => {
      throw new Error('boom in the app');
    });
    const res = await request(`${server.url}/`);
    expect(res.status).toBe(500);
    expect(res.body.toString()).toBe('Internal Server Error');
    expect(traces.join('\n')).toContain('boom in the app');
  });

  it('cuts the connection when the app fails after its headers left', async () => {
    const server = await start((_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'partial';
        throw new Error('failed half-way');
      })();
    });
    const outcome = await new Promise<string>((resolve) => {
      http
        .get(`${server.url}/`, { agent: false }, (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve('complete'));
          res.on('error', () => resolve('cut'));
          res.on('aborted', () => resolve('cut'));
        })
        .on('error', () => resolve('cut'));
    });
    expect(outcome).toBe('cut');
    expect(traces.join('\n')).toContain('failed half-way');
  });

  it('sends wsgi.errors text to the trace option', async () => {
    const server = await start((environ, startResponse) => {
      environ['wsgi.errors'].write('a warning from the app\n');
      startResponse('200 OK', []);
      return [];
    });
    await request(`${server.url}/`);
    expect(traces).toContain('a warning from the app');
  });
});

describe('validate', () => {
  it('passes the dev server environ and a correct app unchanged', async () => {
    const server = await start(environDump, { validate: true });
    const res = await request(`${server.url}/x?y=1`, { method: 'POST', body: 'abc' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString()).PATH_INFO).toBe('/x');
    expect(traces).toEqual([]);
  });

  it('fails a request whose app breaks the interface, naming the rule on the trace channel', async () => {
    const server = await start(
      (_environ, startResponse) => {
        startResponse('200 OK', []);
        return 'a bare string' as unknown as string[];
      },
      { validate: true },
    );
    const res = await request(`${server.url}/`);
    expect(res.status).toBe(500);
    expect(traces.join('\n')).toContain('ISAPI_VALIDATE_BARE_BODY');
  });
});
