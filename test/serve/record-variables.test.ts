// The dev server hands its apps a record with the same server variables the extension's record
// carries (lib/core/record-variables.ts; the native list is checked against it in
// test/inprocess/bridge-layout.test.ts), each answered as the test host would.
import { describe, expect, it } from 'vitest';
import { RECORD_VARIABLES } from '../../lib/core/record-variables.js';
import { siteFor } from '../../lib/serve/incoming.js';
import { recordVariables, serverVariable } from '../../lib/serve/server-variables.js';

const facts = {
  method: 'POST',
  protocol: 'HTTP/1.1',
  rawTarget: '/app/x?y=1',
  path: '/app/x',
  query: 'y=1',
  headers: ['Host', 'shop.example:8080', 'Content-Type', 'text/plain'],
  totalBytes: 4,
  remote: { address: '127.0.0.1', port: 50000 },
  local: { address: '127.0.0.1', port: 8080 },
  site: siteFor('/app'),
};

describe('the dev server\'s request record', () => {
  it('carries exactly the record variables, in their order', () => {
    expect(Object.keys(recordVariables(facts))).toEqual([...RECORD_VARIABLES]);
  });

  it('gives each the value isapi.server_variable would', () => {
    const vars = recordVariables(facts);
    for (const name of RECORD_VARIABLES) expect([name, vars[name]]).toEqual([name, serverVariable(facts, name)]);
    expect(vars).toMatchObject({ APPL_MD_PATH: '/LM/W3SVC/1/ROOT/app', LOCAL_ADDR: '127.0.0.1', SERVER_NAME: 'shop.example', CONTENT_TYPE: 'text/plain', REMOTE_USER: '' });
  });
});
