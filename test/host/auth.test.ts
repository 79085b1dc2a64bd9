// Authentication variables as IIS sets them: only from the server's own authentication, never
// from a client header.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, stopClean, type RunningHost } from '../support/host.js';
import { request } from '../support/http.js';

const authVars = async (url: string, headers: Record<string, string> = {}) => {
  const res = await request(`${url}/vars`, { headers });
  const { vars } = JSON.parse(res.body.toString());
  return {
    status: res.status,
    AUTH_TYPE: vars.AUTH_TYPE,
    AUTH_USER: vars.AUTH_USER,
    AUTH_PASSWORD: vars.AUTH_PASSWORD,
    LOGON_USER: vars.LOGON_USER,
    REMOTE_USER: vars.REMOTE_USER,
  };
};

describe('--auth-user (Windows authentication)', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost({ args: ['--auth-user', 'CONTOSO\\alice'] });
  });
  afterAll(async () => {
    await stopClean(host);
  });

  it('sets AUTH_TYPE, AUTH_USER, LOGON_USER and REMOTE_USER', async () => {
    expect(await authVars(host.url)).toEqual({
      status: 200,
      AUTH_TYPE: 'Negotiate',
      AUTH_USER: 'CONTOSO\\alice',
      AUTH_PASSWORD: '',
      LOGON_USER: 'CONTOSO\\alice',
      REMOTE_USER: 'CONTOSO\\alice',
    });
  });

  it('never lets a client header become REMOTE_USER', async () => {
    const res = await request(`${host.url}/vars?h=Remote-User`, { headers: { 'Remote-User': 'mallory', 'Auth-Type': 'Basic' } });
    const dump = JSON.parse(res.body.toString());
    expect(dump.vars.REMOTE_USER).toBe('CONTOSO\\alice');
    expect(dump.vars.AUTH_TYPE).toBe('Negotiate');
    expect(dump.headers.HTTP_REMOTE_USER).toBe('mallory'); // still visible, as a header
  });
});

describe('anonymous access', () => {
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost();
  });
  afterAll(async () => {
    expect((await host.stop()).stats.violations).toEqual([]);
  });

  it('leaves the authentication variables empty whatever the client sends', async () => {
    expect(await authVars(host.url, { 'Remote-User': 'mallory', Authorization: 'Basic bWFsbG9yeTp4' })).toEqual({
      status: 200,
      AUTH_TYPE: '',
      AUTH_USER: '',
      AUTH_PASSWORD: '',
      LOGON_USER: '',
      REMOTE_USER: '',
    });
  });
});

describe('--basic-users (Basic authentication)', () => {
  let host: RunningHost;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isapi-auth-'));
    const users = join(dir, 'users');
    writeFileSync(users, '# test users\nbob:s3cret\ncarol:pa:ss\n');
    host = await startHost({ args: ['--basic-users', users] });
  });
  afterAll(async () => {
    await stopClean(host);
  });

  const basic = (user: string, password: string) => ({
    Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  });

  it('challenges a request without credentials with 401 before the extension runs', async () => {
    const res = await request(`${host.url}/vars`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="isapi-host"');
  });

  it('refuses a wrong password', async () => {
    expect((await request(`${host.url}/vars`, { headers: basic('bob', 'nope') })).status).toBe(401);
  });

  it('sets the variables for a valid user, password included', async () => {
    expect(await authVars(host.url, basic('bob', 's3cret'))).toEqual({
      status: 200,
      AUTH_TYPE: 'Basic',
      AUTH_USER: 'bob',
      AUTH_PASSWORD: 's3cret',
      LOGON_USER: 'bob',
      REMOTE_USER: 'bob',
    });
    expect((await authVars(host.url, basic('carol', 'pa:ss'))).REMOTE_USER).toBe('carol');
  });
});
