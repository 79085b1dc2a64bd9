// The one hop-by-hop list, seen from each way an app can answer: a WSGI app that names such a
// header is told it may not (500, ISAPI_HOP_BY_HOP_HEADER on the trace channel); an adapted Node
// listener or Fetch handler has it dropped, as a proxy would, and the rest of its answer goes out.
import { describe, expect, it } from 'vitest';
import { fromFetch } from '../../lib/adapters/fetch/index.js';
import { fromNodeListener } from '../../lib/adapters/node/index.js';
import { HOP_BY_HOP_HEADERS } from '../../lib/core/headers.js';
import type { App } from '../../lib/index.js';
import { devServers } from '../support/dev-servers.js';
import { rawExchange } from '../support/http.js';

const servers = devServers();
const MARK = 'set-by-the-app';

/** Proper-cased, as apps write them ("proxy-authenticate" → "Proxy-Authenticate"). */
const cased = (name: string) => name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

async function exchange(app: App): Promise<{ status: string; lines: string[]; body: string }> {
  const server = await servers.start(app);
  const text = await rawExchange(server.port, 'GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  const end = text.indexOf('\r\n\r\n');
  const [status, ...lines] = text.slice(0, end).split('\r\n');
  return { status, lines, body: text.slice(end + 4) };
}

describe.each(HOP_BY_HOP_HEADERS.map(cased))('the hop-by-hop header %s', (name) => {
  it('fails a WSGI app that sets it, naming the rule', async () => {
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [[name, MARK], ['Content-Type', 'text/plain']]);
      return ['ok'];
    };
    const res = await exchange(app);
    expect(res.status).toBe('HTTP/1.1 500 Internal Server Error');
    expect(res.lines.join('\n')).not.toContain(MARK);
    expect(servers.traces.join('\n')).toContain('ISAPI_HOP_BY_HOP_HEADER');
  });

  it('is dropped from a Node listener (Express, Koa, Fastify) and the answer goes out', async () => {
    const res = await exchange(
      fromNodeListener((_req, res) => {
        res.setHeader(name, MARK);
        res.setHeader('X-Kept', 'yes');
        res.end('ok');
      }),
    );
    expect(res.status).toBe('HTTP/1.1 200 OK');
    expect(res.lines).toContain('X-Kept: yes');
    expect(res.lines.join('\n')).not.toContain(MARK);
    expect(res.body).toBe('ok');
    expect(servers.traces).toEqual([]);
  });

  it('is dropped from a Fetch handler (Hono) and the answer goes out', async () => {
    const res = await exchange(fromFetch(() => new Response('ok', { headers: { [name]: MARK, 'X-Kept': 'yes' } })));
    expect(res.status).toBe('HTTP/1.1 200 OK');
    expect(res.lines).toContain('x-kept: yes');
    expect(res.lines.join('\n')).not.toContain(MARK);
    expect(res.body).toBe('ok');
    expect(servers.traces).toEqual([]);
  });
});
