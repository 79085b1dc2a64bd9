// The shared vectors (test/vectors/) against the real isapi-host and the reference extension: the
// same cases test/serve/vectors.test.ts runs against the dev server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, stopClean, type RunningHost } from '../support/host.js';
import {
  allVectors,
  exchange,
  expectRefusal,
  isRefused,
  pathRequest,
  type VectorRequest,
  type WireResponse,
} from '../support/vectors.js';

const { paths, variables, refusals } = allVectors();

let host: RunningHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  const stats = await stopClean(host);
  // Refusals come from the host alone; every other request reached the extension.
  expect(stats.refused).toBe(refusals);
  expect(stats.sessions.started).toBe(paths.length + variables.length - refusals);
});

/** The host's own answer, before the extension ran. */
function expectHostRefusal(response: WireResponse, status: number): void {
  expectRefusal(response, status);
  expect(response.headers.server).toBe('isapi-host');
}

const NO_ROUTE = 'no route for ';

/** hello_ext answers a path it has no route for with a 404 naming that path (its PATH_INFO). */
function unroutedPath(response: WireResponse): string {
  const text = response.body.toString('utf8');
  if (response.status !== 404 || !text.startsWith(NO_ROUTE) || !text.endsWith('\n')) {
    throw new Error(`expected the reference extension's 404 for an unrouted path, got ${response.status}: ${text}`);
  }
  return text.slice(NO_ROUTE.length, -1);
}

interface VarsDump {
  vars: Record<string, string | null>;
  headers?: Record<string, string | null>;
}

/** The named variables as the reference extension reported them at /vars or /var?NAME. */
function reported(request: VectorRequest, response: WireResponse, names: string[]): Record<string, string | null> {
  const text = response.body.toString('utf8');
  if (text.startsWith(NO_ROUTE)) throw new Error(`the target leads to no route that reports variables: ${text}`);
  const out: Record<string, string | null> = {};
  if (response.headers['content-type'] === 'application/json') {
    expect(response.status).toBe(200);
    const dump = JSON.parse(text) as VarsDump;
    for (const name of names) {
      const from = name in dump.vars ? dump.vars : dump.headers && name in dump.headers ? dump.headers : null;
      if (!from) throw new Error(`/vars does not report ${name}: name its header in ?h=, or read it at /var?${name}`);
      out[name] = from[name];
    }
    return out;
  }
  // /var?NAME: GetServerVariable's bytes, terminator included; 404 when the variable does not exist.
  const name = request.target.slice(request.target.indexOf('?') + 1);
  expect(names, '/var reports only the variable its query names').toEqual([name]);
  if (response.status === 404 && text === 'ERROR_INVALID_INDEX\n') return { [name]: null };
  expect(response.status).toBe(200);
  expect(response.body.at(-1)).toBe(0);
  return { [name]: response.body.subarray(0, -1).toString('utf8') };
}

describe('request paths', () => {
  it.each(paths.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
    const response = await exchange(host.port, pathRequest(vector.target));
    if (isRefused(vector.expect)) expectHostRefusal(response, vector.expect.status);
    else expect(unroutedPath(response)).toBe(vector.expect.path);
  });
});

describe('server variables', () => {
  it.each(variables.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
    const response = await exchange(host.port, vector.request);
    if (isRefused(vector.expect)) return expectHostRefusal(response, vector.expect.status);
    const expected = vector.expect.variables;
    expect(reported(vector.request, response, Object.keys(expected))).toEqual(expected);
  });
});
