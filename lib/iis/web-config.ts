// web.config for isapi-node: the handler mapping that sends every request to the extension, and
// IIS's own request body limit raised to ours. A merge into the user's file keeps every other byte
// (comments, indentation, quoting, line endings, a BOM, an XML declaration or none): the file is
// read with @xml-tools/parser for the offsets of its elements, the new elements are made with
// @xmldom/xmldom and serialized, and only the spans that change are replaced. The result is checked
// with xmldom before anyone writes it.
import { DOMImplementation, DOMParser, XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom';
import { HANDLER_NAME } from './names.js';
import type { Bitness } from './pe.js';
import { BOM, detectStyle, type El, lineIndent, parseTree, type Style, WebConfigError } from './web-config-tree.js';

export { WebConfigError } from './web-config-tree.js';

/** What the merge puts in web.config. */
export interface HandlerSettings {
  /** The extension DLL's full path (the handler's scriptProcessor, and the ISAPI restriction's path). */
  scriptProcessor: string;
  /** The application pool's: the handler's preCondition. */
  bitness: Bitness;
  /** requestFiltering/requestLimits/@maxAllowedContentLength (see iisContentLength). */
  maxAllowedContentLength: number;
}

export interface WebConfigMerge {
  text: string;
  /** What changed, one phrase each ("added system.webServer/handlers/add[@name='isapi-node']"). */
  changes: string[];
}

/** IIS's maxAllowedContentLength is a 32-bit count; our 0 (no limit) is its largest. */
export const IIS_MAX_CONTENT_LENGTH = 4_294_967_295;

/** The IIS limit that never refuses a body our maxRequestBodyBytes lets through. */
export function iisContentLength(maxRequestBodyBytes: number): number {
  return maxRequestBodyBytes === 0 ? IIS_MAX_CONTENT_LENGTH : Math.min(maxRequestBodyBytes, IIS_MAX_CONTENT_LENGTH);
}

/** The file's text; refuses what would not survive a round trip (not UTF-8, e.g. UTF-16). */
export function decodeWebConfig(bytes: Buffer, file: string): string {
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new WebConfigError(file, undefined, undefined, 'is not UTF-8 text: save it as UTF-8 (IIS reads that too)');
  return text;
}

/** The document parsed by xmldom, or a WebConfigError naming the first thing that is not XML. */
export function checkWellFormed(text: string, file: string): Document {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  try {
    const doc = new DOMParser({
      // Warnings too: what xmldom only warns about, IIS refuses.
      onError: (_level, message) => {
        throw new Error(message);
      },
    }).parseFromString(body, 'text/xml');
    if (!doc.documentElement) throw new Error('no root element');
    return doc;
  } catch (error) {
    const e = error as Error & { locator?: { lineNumber?: number; columnNumber?: number } };
    const reason = (/^Reporting \w+ "(.*)" caused /s.exec(e.message)?.[1] ?? e.message).split('\n')[0];
    throw new WebConfigError(file, e.locator?.lineNumber || undefined, e.locator?.columnNumber, `is not well-formed XML (${reason}): fix it, nothing was changed`);
  }
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const serializer = new XMLSerializer();
const serialize = (node: Node) => serializer.serializeToString(node);

/** The merge of one file: the CST, the edits so far, and a document to make new nodes with. */
class Merge {
  readonly edits: Edit[] = [];
  readonly changes: string[] = [];
  private readonly pending = new Map<El, Element[]>();
  readonly doc = new DOMImplementation().createDocument(null, 'scratch', null);
  constructor(
    readonly text: string,
    readonly style: Style,
  ) {}

  indentOf(el: El): string {
    return lineIndent(this.text, el.start) ?? '';
  }

  /** The indentation of a new child of `parent`: its last element child's, or one level more. */
  childIndent(parent: El): string {
    const last = parent.children[parent.children.length - 1];
    const sibling = last && lineIndent(this.text, last.start);
    return sibling ?? this.indentOf(parent) + this.style.unit;
  }

  /** `names` nested inside each other around `leaf`, indented from `indent` down. */
  chain(names: string[], leaf: Element, indent: string): Element {
    if (names.length === 0) return leaf;
    const el = this.doc.createElement(names[0]);
    const inner = indent + this.style.unit;
    el.appendChild(this.doc.createTextNode(this.style.nl + inner));
    el.appendChild(this.chain(names.slice(1), leaf, inner));
    el.appendChild(this.doc.createTextNode(this.style.nl + indent));
    return el;
  }

  /** Inserts `names` (new elements, outermost first) around `leaf` as the last child of `parent`. */
  insert(parent: El, names: string[], leaf: Element): void {
    const nodes = this.pending.get(parent) ?? [];
    nodes.push(this.chain(names, leaf, this.childIndent(parent)));
    this.pending.set(parent, nodes);
  }

  /** One edit per parent for everything inserted into it (so that two never overlap). */
  private flush(): void {
    const { nl } = this.style;
    for (const [parent, nodes] of this.pending) {
      const indent = this.childIndent(parent);
      const children = nodes.flatMap((node) => [this.doc.createTextNode(nl + indent), node]);
      if (parent.slashClose !== undefined) {
        // <parent/> becomes <parent>…</parent>: only its `/>` is replaced.
        const open = this.doc.createElement(parent.name);
        for (const node of [...children, this.doc.createTextNode(nl + this.indentOf(parent))]) open.appendChild(node);
        this.edits.push({ start: parent.slashClose, end: parent.end, text: serialize(open).slice(`<${parent.name}`.length) });
        continue;
      }
      // The white space before the end tag stays after the new children; without a line break in
      // it (<a></a>, <a><b/></a>), the end tag gets a line of its own.
      const trailing = this.text.slice(parent.lastContent, parent.contentEnd);
      if (!trailing.includes('\n') && nl !== '') children.push(this.doc.createTextNode(nl + this.indentOf(parent)));
      this.edits.push({ start: parent.lastContent, end: parent.lastContent, text: children.map(serialize).join('') });
    }
    this.pending.clear();
  }

  replace(el: El, by: Element): boolean {
    const text = serialize(by);
    if (this.text.slice(el.start, el.end) === text) return false;
    this.edits.push({ start: el.start, end: el.end, text });
    return true;
  }

  /** Sets an attribute: only its value between the quotes if it is there, else a new one after the others. */
  setAttribute(el: El, name: string, value: string): 'same' | 'set' | 'added' {
    const attr = el.attrs.find((a) => a.name === name);
    const scratch = this.doc.createElement('x');
    scratch.setAttribute(name, value);
    const written = serialize(scratch); // <x name="value"/>
    if (attr) {
      if (attr.value === value) return 'same';
      const quote = this.text[attr.valueStart - 1];
      const escaped = quote === '"' ? written.slice(`<x ${name}="`.length, -'"/>'.length) : written.slice(`<x ${name}="`.length, -'"/>'.length).replace(/'/g, '&apos;');
      this.edits.push({ start: attr.valueStart, end: attr.valueEnd, text: escaped });
      return 'set';
    }
    const at = el.attrs.length ? el.attrs[el.attrs.length - 1].end : el.nameEnd;
    this.edits.push({ start: at, end: at, text: written.slice('<x'.length, -'/>'.length) });
    return 'added';
  }

  result(): string {
    this.flush();
    const edits = [...this.edits].sort((a, b) => a.start - b.start);
    let out = '';
    let at = 0;
    for (const e of edits) {
      out += this.text.slice(at, e.start) + e.text;
      at = e.end;
    }
    return out + this.text.slice(at);
  }
}

/** The handler mapping element, as IIS's own tools write it. */
export function handlerElement(doc: Document, settings: HandlerSettings): Element {
  const add = doc.createElement('add');
  const attributes: [string, string][] = [
    ['name', HANDLER_NAME],
    ['path', '*'],
    ['verb', '*'],
    ['modules', 'IsapiModule'],
    ['scriptProcessor', settings.scriptProcessor],
    ['resourceType', 'Unspecified'],
    ['requireAccess', 'Script'],
    ['preCondition', `bitness${settings.bitness}`],
  ];
  for (const [name, value] of attributes) add.setAttribute(name, value);
  return add;
}

const child = (el: El, name: string) => el.children.find((c) => c.name === name);

/** system.webServer: configuration's own, else the one in <location path="."> (ASP.NET Core's layout). */
function systemWebServer(root: El): El | undefined {
  const direct = child(root, 'system.webServer');
  if (direct) return direct;
  for (const location of root.children.filter((c) => c.name === 'location')) {
    const path = location.attrs.find((a) => a.name === 'path')?.value ?? '';
    const found = (path === '' || path === '.') && child(location, 'system.webServer');
    if (found) return found;
  }
  return undefined;
}

/** The deepest existing element along `names` from `from`, and the names still missing below it. */
function descend(from: El, names: string[]): { el: El; missing: string[] } {
  let el = from;
  for (let i = 0; i < names.length; i++) {
    const next = child(el, names[i]);
    if (!next) return { el, missing: names.slice(i) };
    el = next;
  }
  return { el, missing: [] };
}

/** A new web.config with nothing but what isapi-node needs: CRLF, two spaces, an XML declaration. */
function emptyWebConfig(): string {
  const doc = new DOMImplementation().createDocument(null, 'configuration', null);
  doc.documentElement!.appendChild(doc.createTextNode('\r\n'));
  const declaration = doc.createProcessingInstruction('xml', 'version="1.0" encoding="utf-8"');
  return `${serialize(declaration)}\r\n${serialize(doc.documentElement!)}\r\n`;
}

/**
 * `original` (undefined: there is no web.config) with the isapi-node handler mapping (replacing an
 * earlier one of that name, else after the other handlers) and the request body limit, changing
 * nothing else. Throws WebConfigError for a file that is not XML or not a configuration.
 */
export function mergeWebConfig(original: string | undefined, settings: HandlerSettings, file = 'web.config'): WebConfigMerge {
  const text = original ?? emptyWebConfig();
  const root = parseTree(text, file);
  checkWellFormed(text, file);
  if (root.name !== 'configuration') throw new WebConfigError(file, undefined, undefined, `has <${root.name}> as its root element, not <configuration>: is it a web.config?`);
  const merge = new Merge(text, original === undefined ? { nl: '\r\n', unit: '  ' } : detectStyle(text, root));
  const { doc } = merge;
  const handler = handlerElement(doc, settings);
  const limits = doc.createElement('requestLimits');
  limits.setAttribute('maxAllowedContentLength', String(settings.maxAllowedContentLength));
  const handlerPath = `system.webServer/handlers/add[@name='${HANDLER_NAME}']`;
  const limitPath = 'system.webServer/security/requestFiltering/requestLimits/@maxAllowedContentLength';

  const server = systemWebServer(root);
  if (!server) {
    // One new system.webServer holding both.
    const indent = merge.childIndent(root) + merge.style.unit;
    const el = doc.createElement('system.webServer');
    el.appendChild(doc.createTextNode(merge.style.nl + indent));
    el.appendChild(merge.chain(['handlers'], handler, indent));
    el.appendChild(doc.createTextNode(merge.style.nl + indent));
    el.appendChild(merge.chain(['security', 'requestFiltering'], limits, indent));
    el.appendChild(doc.createTextNode(merge.style.nl + merge.childIndent(root)));
    merge.insert(root, [], el);
    merge.changes.push(`added ${handlerPath}`, `added ${limitPath} = ${settings.maxAllowedContentLength}`);
  } else {
    const handlers = descend(server, ['handlers']);
    const existing = handlers.missing.length ? undefined : handlers.el.children.find((c) => c.name === 'add' && c.attrs.some((a) => a.name === 'name' && a.value === HANDLER_NAME));
    if (existing) {
      if (merge.replace(existing, handler)) merge.changes.push(`replaced ${handlerPath}`);
    } else {
      merge.insert(handlers.el, handlers.missing, handler);
      merge.changes.push(`added ${handlerPath}`);
    }
    const found = descend(server, ['security', 'requestFiltering', 'requestLimits']);
    if (found.missing.length) {
      merge.insert(found.el, found.missing.slice(0, -1), limits);
      merge.changes.push(`added ${limitPath} = ${settings.maxAllowedContentLength}`);
    } else {
      const was = found.el.attrs.find((a) => a.name === 'maxAllowedContentLength')?.value;
      const how = merge.setAttribute(found.el, 'maxAllowedContentLength', String(settings.maxAllowedContentLength));
      if (how !== 'same') merge.changes.push(`${how === 'set' ? `set ${limitPath} = ${settings.maxAllowedContentLength} (was ${was})` : `added ${limitPath} = ${settings.maxAllowedContentLength}`}`);
    }
  }
  const merged = merge.result();
  checkWellFormed(merged, `${file} (merged)`);
  return { text: merged, changes: merge.changes };
}
