// JSON with comments, read the way the extension reads its configuration: nlohmann::json::parse
// with ignore_comments=true (native/extension/config.cc). That is strict JSON (no trailing commas,
// no single quotes) where `// …` to the end of the line and `/* … */` count as whitespace, and a
// UTF-8 byte order mark at the start is skipped.
//
// A small parser of our own rather than a dependency: it also keeps the source text of each
// top-level number, because the extension tells `30` (a whole number) from `30.0` or `3e1` (not
// one), which JSON.parse forgets.

export interface JsoncDocument {
  value: unknown;
  /** The source text of each number that is a direct member of a top-level object, by key. */
  numberText: Map<string, string>;
}

export class JsoncError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(`${message} at line ${line}, column ${column}`);
    this.name = 'JsoncError';
  }
}

export function parseJsonc(text: string): JsoncDocument {
  return new Parser(text).document();
}

class Parser {
  private pos = 0;
  private readonly numberText = new Map<string, string>();
  private lastNumberText = '';

  constructor(private readonly text: string) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  document(): JsoncDocument {
    this.space();
    const value = this.value(0);
    this.space();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.describe()} after the value`);
    return { value, numberText: this.numberText };
  }

  private fail(message: string): never {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < this.pos && i < this.text.length; i++) {
      if (this.text[i] === '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    throw new JsoncError(message, line, this.pos - lineStart + 1);
  }

  private describe(): string {
    if (this.pos >= this.text.length) return 'end of the file';
    return `'${this.text[this.pos]}'`;
  }

  /** Whitespace and comments. */
  private space(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        this.pos++;
      } else if (c === '/') {
        const next = this.text[this.pos + 1];
        if (next === '/') {
          this.pos += 2;
          while (this.pos < this.text.length && this.text[this.pos] !== '\n' && this.text[this.pos] !== '\r') this.pos++;
        } else if (next === '*') {
          const end = this.text.indexOf('*/', this.pos + 2);
          if (end < 0) this.fail('a /* comment is not closed');
          this.pos = end + 2;
        } else {
          this.fail("'/' that starts no comment (// or /*)");
        }
      } else {
        return;
      }
    }
  }

  private value(depth: number): unknown {
    if (depth > 256) this.fail('nesting too deep');
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    this.fail(`unexpected ${this.describe()} where a value should be`);
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++; // {
    this.space();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.fail(`unexpected ${this.describe()} where a member name (a string) should be`);
      const key = this.string();
      this.space();
      if (this.text[this.pos] !== ':') this.fail(`expected ':' after "${key}", found ${this.describe()}`);
      this.pos++;
      this.space();
      const isNumber = /[-0-9]/.test(this.text[this.pos] ?? '');
      const v = this.value(depth + 1);
      if (depth === 0) {
        if (isNumber) this.numberText.set(key, this.lastNumberText);
        else this.numberText.delete(key);
      }
      // The last of duplicate keys wins, as with nlohmann and JSON.parse.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      if (this.closedAfterItem('}', `after the value of "${key}"`)) return out;
    }
  }

  /** After an object member or array item: skips a ',' (true: the object or array closed with
   *  `close` instead); anything else, or a trailing ',' before `close`, fails. */
  private closedAfterItem(close: '}' | ']', where: string): boolean {
    this.space();
    const sep = this.text[this.pos];
    if (sep === ',') {
      this.pos++;
      this.space();
      if (this.text[this.pos] === close) this.fail(`a trailing ',' before '${close}'`);
      return false;
    }
    if (sep === close) {
      this.pos++;
      return true;
    }
    this.fail(`expected ',' or '${close}' ${where}, found ${this.describe()}`);
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.pos++; // [
    this.space();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      if (this.closedAfterItem(']', 'in a list')) return out;
    }
  }

  private number(): number {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!m) this.fail('a malformed number');
    this.pos += m[0].length;
    this.lastNumberText = m[0];
    return Number(m[0]);
  }

  private string(): string {
    this.pos++; // "
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) this.fail('a string is not closed');
      const c = this.text[this.pos];
      const code = this.text.charCodeAt(this.pos);
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (code < 0x20) this.fail('a control character in a string (write it as an escape, e.g. \\n)');
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      const e = this.text[this.pos + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && e in simple) {
        out += simple[e];
        this.pos += 2;
        continue;
      }
      if (e !== 'u') {
        this.fail(`an invalid escape '\\${e ?? ''}' in a string (a Windows path needs \\\\ or /)`);
      }
      const unit = this.hex4(this.pos + 2);
      this.pos += 6;
      if (unit >= 0xd800 && unit <= 0xdbff) {
        if (this.text[this.pos] !== '\\' || this.text[this.pos + 1] !== 'u') this.fail('a lone surrogate \\u escape');
        const low = this.hex4(this.pos + 2);
        if (low < 0xdc00 || low > 0xdfff) this.fail('a lone surrogate \\u escape');
        this.pos += 6;
        out += String.fromCharCode(unit, low);
      } else if (unit >= 0xdc00 && unit <= 0xdfff) {
        this.fail('a lone surrogate \\u escape');
      } else {
        out += String.fromCharCode(unit);
      }
    }
  }

  private hex4(at: number): number {
    const digits = this.text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) {
      this.pos = at;
      this.fail('a \\u escape without four hex digits');
    }
    return parseInt(digits, 16);
  }
}
