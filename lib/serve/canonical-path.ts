// The request path as IIS hands it to an extension (its URL server variable): percent-decoded,
// '\' read as '/', "//" collapsed, "." and ".." segments removed. Requests whose path cannot be
// made canonical are refused by the server before any app runs. This is the same algorithm as the
// test host's canonical_path() (native/host/request_info.cc): keep the two in step.

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Node's http parser gives request-line and header text as Latin-1, one character per byte; the
 * native side hands the same bytes to JavaScript as UTF-8 (invalid sequences become U+FFFD).
 */
export function utf8FromLatin1(text: string): string {
  return NON_ASCII.test(text) ? Buffer.from(text, 'latin1').toString('utf8') : text;
}

/**
 * `raw` is the path part of the request target as received (no query). Returns null for what IIS
 * refuses with 400: not starting with '/', a '%' not followed by two hex digits, an encoded or
 * literal NUL, or ".." climbing above the root.
 */
export function canonicalPath(raw: string): string | null {
  if (!raw.startsWith('/')) return null;
  // Decoded byte by byte, as Latin-1 text; decoded as UTF-8 only at the end, so an escaped '/' or
  // '.' counts exactly like a literal one (as it does in IIS).
  let decoded = '';
  for (let i = 0; i < raw.length; i++) {
    let char = raw[i];
    if (char === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX_PAIR.test(hex)) return null;
      char = String.fromCharCode(parseInt(hex, 16));
      i += 2;
    }
    if (char === '\0') return null;
    // http.sys treats '\' as a separator.
    decoded += char === '\\' ? '/' : char;
  }

  // RFC 3986 section 5.2.4, on segments.
  const segments: string[] = [];
  const parts = decoded.slice(1).split('/');
  let trailingSlash = false;
  for (let index = 0; index < parts.length; index++) {
    const segment = parts[index];
    const last = index === parts.length - 1;
    if (segment === '..') {
      if (segments.length === 0) return null;
      segments.pop();
      trailingSlash = last;
    } else if (segment === '.') {
      trailingSlash = last;
    } else if (segment === '' && !last) {
      // "//" collapses, as in http.sys.
    } else {
      if (segment !== '') segments.push(segment);
      trailingSlash = last && segment === '';
    }
  }
  let path = `/${segments.join('/')}`;
  if (trailingSlash && path.length > 1) path += '/';
  return utf8FromLatin1(path);
}
