// web.config as the merge sees it: the elements of the file with their offsets (from
// @xml-tools/parser's CST, which keeps them exact), checked for what that parser leaves to its
// users (matching end tags), and the file's layout (newline, indentation) for what is inserted.
import { parse as parseCst, type AttributeCstNode, type ElementCstNode } from '@xml-tools/parser';

export const BOM = '\uFEFF';

/** A web.config that cannot be read as XML: where, and why. */
export class WebConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    readonly reason: string,
  ) {
    super(`${file}${line ? `:${line}:${column ?? 1}` : ''}: ${reason}`);
    this.name = 'WebConfigError';
  }
}

// The parts of the CST the merge needs, with offsets into the text (end exclusive).
export interface Attr {
  name: string;
  value: string;
  /** The value's span between its quotes. */
  valueStart: number;
  valueEnd: number;
  end: number;
}
export interface El {
  name: string;
  start: number;
  end: number;
  nameEnd: number;
  attrs: Attr[];
  children: El[];
  /** Self-closing: where `/>` starts. Otherwise where the content starts and `</` is. */
  slashClose?: number;
  contentStart: number;
  contentEnd: number;
  /** The end of the last content that is not white space (contentStart if none). */
  lastContent: number;
}

const decodeEntities = (s: string) =>
  s.replace(/&(?:#x([0-9a-f]+)|#(\d+)|(amp|lt|gt|quot|apos));/gi, (_, hex: string, dec: string, name: string) =>
    hex ? String.fromCodePoint(parseInt(hex, 16)) : dec ? String.fromCodePoint(Number(dec)) : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[name.toLowerCase()],
  );

function toEl(node: ElementCstNode, offset: number): El {
  const c = node.children;
  const attrs = (c.attribute ?? []).map((a: AttributeCstNode) => {
    const value = a.children.STRING[0];
    return {
      name: a.children.Name[0].image,
      value: decodeEntities(value.image.slice(1, -1)),
      valueStart: value.startOffset + offset + 1,
      valueEnd: value.endOffset! + offset,
      end: value.endOffset! + offset + 1,
    };
  });
  const content = c.content?.[0]?.children;
  const children = (content?.element ?? []).map((e) => toEl(e, offset)).sort((a, b) => a.start - b.start);
  const start = node.location!.startOffset + offset;
  const end = node.location!.endOffset! + offset + 1;
  const nameEnd = c.Name[0].endOffset! + offset + 1;
  if (c.SLASH_CLOSE) {
    const slash = c.SLASH_CLOSE[0].startOffset + offset;
    return { name: c.Name[0].image, start, end, nameEnd, attrs, children, slashClose: slash, contentStart: slash, contentEnd: slash, lastContent: slash };
  }
  const contentStart = c.START_CLOSE[0].endOffset! + offset + 1;
  const ends = [
    ...children.map((e) => e.end),
    ...[...(content?.Comment ?? []), ...(content?.CData ?? [])].map((t) => t.endOffset! + offset + 1),
    ...(content?.reference ?? []).map((r) => r.location!.endOffset! + offset + 1),
    ...(content?.chardata ?? []).flatMap((d) => d.children.TEXT ?? []).map((t) => t.endOffset! + offset + 1),
  ];
  return { name: c.Name[0].image, start, end, nameEnd, attrs, children, contentStart, contentEnd: c.SLASH_OPEN[0].startOffset + offset, lastContent: Math.max(contentStart, ...ends) };
}

export function parseTree(text: string, file: string): El {
  const offset = text.startsWith(BOM) ? 1 : 0;
  const { cst, lexErrors, parseErrors } = parseCst(text.slice(offset));
  const lex = lexErrors[0];
  if (lex) throw new WebConfigError(file, lex.line, lex.column, `is not well-formed XML (${lex.message}): fix it, nothing was changed`);
  const bad = parseErrors[0];
  if (bad) throw new WebConfigError(file, bad.token.startLine || undefined, bad.token.startColumn, `is not well-formed XML (${bad.message}): fix it, nothing was changed`);
  const root = (cst.children as { element?: ElementCstNode[] }).element?.[0];
  if (!root) throw new WebConfigError(file, undefined, undefined, 'has no root element: fix it, nothing was changed');
  checkEndTags(root, file);
  return toEl(root, offset);
}

/** The parser leaves matching end tags to its users: <a></b> is found here, where it is. */
function checkEndTags(node: ElementCstNode, file: string): void {
  const c = node.children;
  const end = c.END_NAME?.[0];
  if (end && end.image !== c.Name[0].image) {
    const open = c.Name[0];
    throw new WebConfigError(file, end.startLine, c.SLASH_OPEN[0].startColumn, `is not well-formed XML (</${end.image}> closes <${open.image}> of line ${open.startLine}): fix it, nothing was changed`);
  }
  for (const child of c.content?.[0]?.children.element ?? []) checkEndTags(child, file);
}

/** How the file lays itself out: its newline, and one level of indentation. */
export interface Style {
  nl: string;
  unit: string;
}

/** The white space before `offset` on its line, if nothing else is before it there. */
export function lineIndent(text: string, offset: number): string | undefined {
  let i = offset;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  if (i === 0 || text[i - 1] === '\n' || (i === 1 && text[0] === BOM)) return text.slice(i, offset);
  return undefined;
}

export function detectStyle(text: string, root: El): Style {
  const body = text.slice(root.start, root.end);
  const crlf = (body.match(/\r\n/g) ?? []).length;
  const lf = (body.match(/\n/g) ?? []).length - crlf;
  if (crlf + lf === 0) return { nl: '', unit: '' }; // one line: inserted elements stay on it
  const nl = crlf >= lf ? '\r\n' : '\n';
  const walk = (el: El): string | undefined => {
    const own = lineIndent(text, el.start);
    for (const child of el.children) {
      const indent = lineIndent(text, child.start);
      if (own !== undefined && indent !== undefined && indent.length > own.length && indent.startsWith(own)) return indent.slice(own.length);
      const found = walk(child);
      if (found) return found;
    }
    return undefined;
  };
  return { nl, unit: walk(root) ?? '  ' };
}
