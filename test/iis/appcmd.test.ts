// The appcmd plan iis-install prints or runs: exact lines, quoting as CreateProcess splits it,
// inverses for iis-uninstall, pool names. Pure functions: nothing is written or run.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appcmdPlan, commandLine, defaultAppPoolName, inverseSteps, quoteArg } from '../../lib/iis/appcmd.js';
import { APPCMD } from './fixtures/install/support.js';

describe('appcmd lines', () => {
  /** How the MSVC runtime (CommandLineToArgvW) splits a command line: the reader the quoting is for. */
  function splitArgs(line: string): string[] {
    const args: string[] = [];
    let cur = '';
    let quoted = false;
    let started = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (ch === '\\') {
        let n = 0;
        while (line[i] === '\\') (n++, i++);
        if (line[i] === '"') {
          cur += '\\'.repeat(Math.floor(n / 2));
          if (n % 2) cur += '"';
          else (quoted = !quoted), (started = true);
        } else {
          cur += '\\'.repeat(n);
          i--;
        }
        started = true;
      } else if (ch === '"') (quoted = !quoted), (started = true);
      else if ((ch === ' ' || ch === '\t') && !quoted) {
        if (started) args.push(cur);
        cur = '';
        started = false;
      } else (cur += ch), (started = true);
    }
    if (started) args.push(cur);
    return args;
  }

  it('quotes values the way appcmd documents them, and CreateProcess splits them back', () => {
    expect(quoteArg('/name:isapi-node Default Web Site')).toBe('/name:"isapi-node Default Web Site"');
    expect(quoteArg('/managedRuntimeVersion:')).toBe('/managedRuntimeVersion:""');
    expect(quoteArg('/physicalPath:C:\\inetpub\\my app\\')).toBe('/physicalPath:"C:\\inetpub\\my app\\\\"');
    expect(quoteArg("/+[path='C:\\x\\isapi_node.dll']")).toBe("/+\"[path='C:\\x\\isapi_node.dll']\"");
    expect(quoteArg('Default Web Site/')).toBe('"Default Web Site/"');
    expect(quoteArg('R&D')).toBe('"R&D"');
    expect(quoteArg('list')).toBe('list');
    const tricky = ['a b', 'C:\\a b\\', 'say "hi"', 'C:\\x\\"y', 'tab\there', '', 'x&y|z<w>^(v)', '\\\\server\\share\\dir\\'];
    for (const value of tricky) {
      for (const arg of [value, `/name:${value}`, `/+[path='${value}']`]) expect(splitArgs(quoteArg(arg))).toEqual([arg]);
    }
  });

  it('plans a site root: a pool of its own, the root application moved to it and back', () => {
    const steps = appcmdPlan({ site: 'Default Web Site', virtualDir: '/', physicalPath: 'C:\\inetpub\\wwwroot', appPool: 'isapi-node Default Web Site', bitness: 64, dll: 'C:\\inetpub\\wwwroot\\isapi_node.dll', rootAppPool: 'DefaultAppPool' });
    expect(steps.map((s) => commandLine(s.args))).toEqual([
      `${APPCMD} add apppool /name:"isapi-node Default Web Site" /managedRuntimeVersion:""`,
      `${APPCMD} set apppool "isapi-node Default Web Site" /enable32BitAppOnWin64:false`,
      `${APPCMD} set app "Default Web Site/" /applicationPool:"isapi-node Default Web Site"`,
      `${APPCMD} set config /section:system.webServer/security/isapiCgiRestriction /+"[path='C:\\inetpub\\wwwroot\\isapi_node.dll',allowed='True',description='isapi-node']" /commit:apphost`,
    ]);
    expect(inverseSteps(steps).map(commandLine)).toEqual([
      `${APPCMD} set config /section:system.webServer/security/isapiCgiRestriction /-"[path='C:\\inetpub\\wwwroot\\isapi_node.dll']" /commit:apphost`,
      `${APPCMD} set app "Default Web Site/" /applicationPool:DefaultAppPool`,
      `${APPCMD} delete apppool "isapi-node Default Web Site"`,
    ]);
  });

  it('plans a virtual folder: pool, application, restriction; undone in reverse', () => {
    const steps = appcmdPlan({ site: 'Contoso', virtualDir: '/shop/api', physicalPath: 'D:\\sites\\shop api', appPool: 'shop', bitness: 32, dll: 'D:\\sites\\shop api\\isapi_node.dll' });
    expect(steps.map((s) => commandLine(s.args))).toEqual([
      `${APPCMD} add apppool /name:shop /managedRuntimeVersion:""`,
      `${APPCMD} set apppool shop /enable32BitAppOnWin64:true`,
      `${APPCMD} add app /site.name:Contoso /path:/shop/api /physicalPath:"D:\\sites\\shop api"`,
      `${APPCMD} set app Contoso/shop/api /applicationPool:shop`,
      `${APPCMD} set config /section:system.webServer/security/isapiCgiRestriction /+"[path='D:\\sites\\shop api\\isapi_node.dll',allowed='True',description='isapi-node']" /commit:apphost`,
    ]);
    expect(inverseSteps(steps).map((a) => a.join(' '))).toEqual([
      "set config /section:system.webServer/security/isapiCgiRestriction /-[path='D:\\sites\\shop api\\isapi_node.dll'] /commit:apphost",
      'delete app Contoso/shop/api',
      'delete apppool shop',
    ]);
  });

  it('names one pool per application', () => {
    expect(defaultAppPoolName('Default Web Site', '/')).toBe('isapi-node Default Web Site');
    expect(defaultAppPoolName('Default Web Site', '/shop/api')).toBe('isapi-node Default Web Site shop api');
    expect(defaultAppPoolName('R&D [intranet]', '/x')).toBe('isapi-node R_D _intranet_ x');
    expect(defaultAppPoolName('s'.repeat(80), '/').length).toBe(64);
  });
});
