// web.config merging: the isapi-node handler mapping and IIS's request body limit go in, and every
// other byte of the user's file stays as it was. Each merge is checked two independent ways: the
// original is a subsequence of the result (diffChars removes nothing), and the result's DOM, minus
// the expected new elements, is the original's DOM.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser, type Element, type Node } from '@xmldom/xmldom';
import { diffChars } from 'diff';
import { describe, expect, it } from 'vitest';
import { decodeWebConfig, iisContentLength, mergeWebConfig, WebConfigError, type HandlerSettings } from '../../lib/iis/web-config.js';

const fixtures = join(__dirname, 'fixtures', 'install');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');
const settings: HandlerSettings = { scriptProcessor: 'C:\\inetpub\\my app\\isapi_node.dll', bitness: 64, maxAllowedContentLength: 30_000_000 };

function parse(text: string) {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, message) => void errors.push(`${level}: ${message}`) }).parseFromString(text.replace(/^\uFEFF/, ''), 'text/xml');
  expect(errors).toEqual([]);
  return doc;
}

const elements = (node: Node | Element): Element[] => Array.from(node.childNodes).filter((n): n is Element => n.nodeType === 1);
/** The element at a path of names from the root, the first of each name. */
function at(root: Element, ...names: string[]): Element | undefined {
  let el: Element | undefined = root;
  for (const name of names) el = el && elements(el).find((c) => c.tagName === name);
  return el;
}
const attributes = (el: Element) => Object.fromEntries(Array.from(el.attributes).map((a) => [a.name, a.value]));

function handlers(text: string): Element[] {
  const root = parse(text).documentElement!;
  const server = at(root, 'system.webServer') ?? at(root, 'location', 'system.webServer');
  return elements(at(server!, 'handlers')!);
}
const ours = (text: string) => handlers(text).filter((h) => h.tagName === 'add' && h.getAttribute('name') === 'isapi-node');

const expectedHandler = {
  name: 'isapi-node',
  path: '*',
  verb: '*',
  modules: 'IsapiModule',
  scriptProcessor: 'C:\\inetpub\\my app\\isapi_node.dll',
  resourceType: 'Unspecified',
  requireAccess: 'Script',
  preCondition: 'bitness64',
};

/** A canonical tree: elements with sorted attributes, comments, and text that is not only white space. */
type Canon = string | { name: string; attrs: Record<string, string>; children: Canon[] };
function canon(node: Node): Canon[] {
  return Array.from(node.childNodes).flatMap((n): Canon[] => {
    if (n.nodeType === 1) {
      const el = n as Element;
      const attrs = Object.fromEntries(Object.entries(attributes(el)).sort());
      return [{ name: el.tagName, attrs, children: canon(el) }];
    }
    if (n.nodeType === 8) return [`<!--${n.nodeValue}-->`];
    if ((n.nodeType === 3 || n.nodeType === 4) && n.nodeValue!.trim()) return [n.nodeValue!.trim()];
    return [];
  });
}
/** `tree` without the elements `drop` picks. */
function without(tree: Canon[], drop: (c: Exclude<Canon, string>) => boolean): Canon[] {
  return tree.filter((c) => typeof c === 'string' || !drop(c)).map((c) => (typeof c === 'string' ? c : { ...c, children: without(c.children, drop) }));
}
const isOurs = (c: Exclude<Canon, string>) => c.name === 'add' && c.attrs.name === 'isapi-node';

const serializedHandler =
  '<add name="isapi-node" path="*" verb="*" modules="IsapiModule" scriptProcessor="C:\\inetpub\\my app\\isapi_node.dll" resourceType="Unspecified" requireAccess="Script" preCondition="bitness64"/>';
/** The characters of `s`, sorted: what was added, whichever way diffChars aligned it. */
const sorted = (s: string) => [...s].sort().join('');

/** Nothing of `original` was removed or reordered: only characters were added. */
function expectOnlyInsertions(original: string, merged: string): string {
  const parts = diffChars(original, merged);
  expect(parts.filter((p) => p.removed).map((p) => p.value)).toEqual([]);
  return parts.filter((p) => p.added).map((p) => p.value).join('');
}

describe('mergeWebConfig', () => {
  it('writes a new web.config with the handler and the limit when there is none', () => {
    const { text, changes } = mergeWebConfig(undefined, settings);
    expect(text.startsWith('<?xml version="1.0" encoding="utf-8"?>\r\n<configuration>\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/\n/); // one newline style: CRLF
    const root = parse(text).documentElement!;
    expect(root.tagName).toBe('configuration');
    expect(ours(text).map(attributes)).toEqual([expectedHandler]);
    expect(at(root, 'system.webServer', 'security', 'requestFiltering', 'requestLimits')!.getAttribute('maxAllowedContentLength')).toBe('30000000');
    expect(changes).toHaveLength(2);
    // Indented two spaces a level.
    expect(text).toContain('\r\n    <handlers>\r\n      <add name="isapi-node"');
  });

  it('merges into a hand-written file (BOM, CRLF, tabs, single quotes, attributes over lines, comments) keeping every byte', () => {
    const original = fixture('odd.web.config');
    expect(original.startsWith('\uFEFF')).toBe(true); // the fixture is what it claims
    expect(original).toContain("\r\n\t\t\t     path='*.css'\r\n");
    const { text } = mergeWebConfig(original, settings);
    const added = expectOnlyInsertions(original, text);
    expect(text.startsWith('\uFEFF<?xml')).toBe(true);
    // What was added, laid out with CRLF and tabs like the rest: the handler after the last one,
    // and a new security chain at the end of system.webServer.
    const handler = `\r\n\t\t\t${serializedHandler}`;
    const security = '\r\n\t\t<security>\r\n\t\t\t<requestFiltering>\r\n\t\t\t\t<requestLimits maxAllowedContentLength="30000000"/>\r\n\t\t\t</requestFiltering>\r\n\t\t</security>';
    expect(sorted(added)).toBe(sorted(handler + security));
    expect(text).toContain(`\t\t\t<remove name="WebDAV"/>   <!-- trailing comment -->${handler}\r\n\t\t</handlers>`);
    expect(text).toContain(`<defaultDocument   enabled = 'false'/>${security}\r\n\t</system.webServer>`);
    // Structure: the original's DOM plus exactly the new elements.
    const before = canon(parse(original));
    const after = canon(parse(text));
    expect(without(after, (c) => isOurs(c) || c.name === 'security')).toEqual(before);
    // Ours is the last handler: the user's come first.
    expect(handlers(text).map((h) => h.getAttribute('name'))).toEqual(['StaticCss', 'WebDAV', 'isapi-node']);
    expect(ours(text).map(attributes)).toEqual([expectedHandler]);
  });

  it("uses ASP.NET Core's <location path=\".\"> and sets an existing limit in its own quotes", () => {
    const original = fixture('location.web.config');
    const { text, changes } = mergeWebConfig(original, settings);
    // The only replaced bytes: the old limit's value, inside its single quotes.
    const base = original.replace("maxAllowedContentLength='1048576'", "maxAllowedContentLength='30000000'");
    const added = expectOnlyInsertions(base, text);
    // Four spaces a level, like its siblings.
    expect(sorted(added)).toBe(sorted(`\n                ${serializedHandler}`));
    expect(text).toContain(`resourceType="Unspecified" />\n                ${serializedHandler}\n            </handlers>`);
    expect(text.endsWith('</configuration>')).toBe(true); // no newline at the end, as before
    expect(changes).toEqual([
      "added system.webServer/handlers/add[@name='isapi-node']",
      'set system.webServer/security/requestFiltering/requestLimits/@maxAllowedContentLength = 30000000 (was 1048576)',
    ]);
    const root = parse(text).documentElement!;
    expect(at(root, 'system.webServer')).toBeUndefined();
    expect(attributes(at(root, 'location', 'system.webServer', 'security', 'requestFiltering', 'requestLimits')!)).toEqual({ maxUrl: '8192', maxAllowedContentLength: '30000000' });
  });

  it('replaces an earlier isapi-node handler where it stands, and nothing else of it', () => {
    const original = fixture('reinstall.web.config');
    const old = /<add name="isapi-node"[^>]*\/>/.exec(original)![0];
    const { text, changes } = mergeWebConfig(original, { ...settings, bitness: 32 });
    expect(changes[0]).toBe("replaced system.webServer/handlers/add[@name='isapi-node']");
    // Without the old element (and the / of <requestFiltering/>, which now has content), all of the original is there.
    expectOnlyInsertions(original.replace(old, '').replace('<requestFiltering/>', '<requestFiltering>'), text);
    expect(handlers(text).map((h) => h.getAttribute('name'))).toEqual(['before', 'isapi-node', 'after']);
    expect(ours(text).map(attributes)).toEqual([{ ...expectedHandler, preCondition: 'bitness32' }]);
    expect(text).toContain('      <requestFiltering>\n        <requestLimits maxAllowedContentLength="30000000"/>\n      </requestFiltering>\n');
    // A second merge changes nothing.
    const again = mergeWebConfig(text, { ...settings, bitness: 32 });
    expect(again.text).toBe(text);
    expect(again.changes).toEqual([]);
  });

  it('opens self-closing parents and keeps a one-line file on one line', () => {
    const original = '<configuration><system.webServer><handlers /></system.webServer></configuration>';
    const { text } = mergeWebConfig(original, settings);
    expectOnlyInsertions(original.replace('<handlers />', '<handlers >'), text);
    expect(text).not.toContain('\n');
    expect(ours(text)).toHaveLength(1);
    const root = parse(text).documentElement!;
    expect(at(root, 'system.webServer', 'security', 'requestFiltering', 'requestLimits')).toBeDefined();
  });

  it('puts both into a self-closing or empty system.webServer, in one place', () => {
    for (const server of ['<system.webServer/>', '<system.webServer></system.webServer>']) {
      const original = `<configuration>\n  ${server}\n</configuration>\n`;
      const { text } = mergeWebConfig(original, settings);
      expectOnlyInsertions(original.replace('/>', '>'), text);
      expect(text).toBe(
        `<configuration>\n  <system.webServer>\n    <handlers>\n      ${serializedHandler}\n    </handlers>\n` +
          '    <security>\n      <requestFiltering>\n        <requestLimits maxAllowedContentLength="30000000"/>\n      </requestFiltering>\n    </security>\n  </system.webServer>\n</configuration>\n',
      );
    }
  });

  it('gives an end tag on the line of its last child a line of its own', () => {
    const original = '<configuration>\n  <system.webServer>\n    <handlers><add name="a" path="*.a" verb="*" modules="StaticFileModule"/></handlers>\n  </system.webServer>\n</configuration>';
    const { text } = mergeWebConfig(original, settings);
    expectOnlyInsertions(original, text);
    expect(text).toContain(`<handlers><add name="a" path="*.a" verb="*" modules="StaticFileModule"/>\n      ${serializedHandler}\n    </handlers>`);
  });

  it('refuses what is not well-formed XML, naming the file, line and column', () => {
    let error: unknown;
    try {
      mergeWebConfig(fixture('broken.web.config'), settings, 'C:\\site\\web.config');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WebConfigError);
    const e = error as WebConfigError;
    expect(e.line).toBe(6);
    expect(e.message).toBe('C:\\site\\web.config:6:5: is not well-formed XML (</handler> closes <handlers> of line 4): fix it, nothing was changed');
    expect(() => mergeWebConfig('this is not XML', settings, 'web.config')).toThrow(/^web\.config(:\d+:\d+)?: is not well-formed XML/);
    expect(() => mergeWebConfig('<configuration><a x="1" x="2"/></configuration>', settings)).toThrow(/redefined/);
    expect(() => mergeWebConfig('<html><body/></html>', settings)).toThrow('web.config: has <html> as its root element, not <configuration>: is it a web.config?');
  });

  it('refuses bytes that are not UTF-8 rather than change them', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<configuration/>', 'utf16le')]);
    expect(() => decodeWebConfig(utf16, 'web.config')).toThrow('web.config: is not UTF-8 text: save it as UTF-8 (IIS reads that too)');
    expect(decodeWebConfig(Buffer.from('\uFEFF<configuration/>'), 'web.config')).toBe('\uFEFF<configuration/>');
  });

  it("makes IIS's limit never lower than ours", () => {
    expect(iisContentLength(30_000_000)).toBe(30_000_000);
    expect(iisContentLength(0)).toBe(4_294_967_295);
    expect(iisContentLength(2 ** 40)).toBe(4_294_967_295);
  });
});
