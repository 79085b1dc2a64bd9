// The shared vectors (test/vectors/) against the dev server, through HTTP to an app that reports
// what it was given: the same cases test/host/vectors.test.ts runs against isapi-host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../lib/index.js';
import { serve, type DevServer } from '../../lib/serve/index.js';
import {
  allVectors,
  exchange,
  expectRefusal,
  isRefused,
  pathRequest,
  type WireResponse,
} from '../support/vectors.js';

const { paths, variables, refusals } = allVectors();

/** Every variable any vector names, and URL for the path vectors. */
const NAMES = [...new Set(['URL', ...variables.flatMap((v) => (isRefused(v.expect) ? [] : Object.keys(v.expect.variables)))])];

interface Report {
  variables: Record<string, string | null>;
  SCRIPT_NAME: string;
  PATH_INFO: string;
}

let calls = 0;
const report: App = (environ, startResponse) => {
  calls++;
  const out: Report = { variables: {}, SCRIPT_NAME: environ.SCRIPT_NAME, PATH_INFO: environ.PATH_INFO };
  for (const name of NAMES) out.variables[name] = environ['isapi.server_variable'](name) ?? null;
  const body = JSON.stringify(out);
  startResponse('200 OK', [
    ['Content-Type', 'application/json'],
    ['Content-Length', String(Buffer.byteLength(body))],
  ]);
  return [body];
};

let server: DevServer;
beforeAll(async () => {
  server = await serve(report, { port: 0, trace: () => undefined });
});
afterAll(async () => {
  await server.close();
  // Refusals come from the server alone; every other request reached the app.
  expect(calls).toBe(paths.length + variables.length - refusals);
});

/** The dev server's own answer, before the app ran. */
function expectServerRefusal(response: WireResponse, status: number): void {
  expectRefusal(response, status);
  expect(response.headers['content-type']).not.toBe('application/json');
}

function appReport(response: WireResponse): Report {
  expect(response.status).toBe(200);
  return JSON.parse(response.body.toString('utf8')) as Report;
}

describe('request paths', () => {
  it.each(paths.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
    const response = await exchange(server.port, pathRequest(vector.target));
    if (isRefused(vector.expect)) return expectServerRefusal(response, vector.expect.status);
    const seen = appReport(response);
    // At the site root the application's path is the whole URL.
    expect(seen.variables.URL).toBe(vector.expect.path);
    expect(seen.SCRIPT_NAME).toBe('');
    expect(seen.PATH_INFO).toBe(vector.expect.path);
  });
});

describe('server variables', () => {
  it.each(variables.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
    const response = await exchange(server.port, vector.request);
    if (isRefused(vector.expect)) return expectServerRefusal(response, vector.expect.status);
    const expected = vector.expect.variables;
    const seen = appReport(response).variables;
    expect(Object.fromEntries(Object.keys(expected).map((name) => [name, seen[name]]))).toEqual(expected);
  });
});
