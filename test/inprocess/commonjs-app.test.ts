// require('isapi-node') in a CommonJS app served in-process (embedded Node 18, no require(esm)).
import { describe, expect, it } from 'vitest';
import { fixture, startApp } from '../support/app-host.js';
import { stopClean } from '../support/host.js';
import { request } from '../support/http.js';

describe('a CommonJS app', () => {
  it('requires isapi-node and is served through the extension', async () => {
    const app = await startApp({ app: fixture('express-commonjs.app.cjs') });
    const res = await request(`${app.url}/`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ served: 'by express', isapiError: 'function' });
    await stopClean(app);
  });
});
