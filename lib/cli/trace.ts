// `isapi-node trace`: follows the trace channel file, as `python -m win32traceutil` does for
// isapi-wsgi: prints what is there, then whatever is appended, until Ctrl+C.
//
// The extension writes each record in one OS call: a header line `TIMESTAMP [SOURCE] text`, then
// the rest of the text (a stack) on the lines after it (native/extension/trace.cc). Records are
// printed exactly as written, whole: the lines of a record are never parted, and the last record
// read is held back until the file has been quiet for one poll, so a record read while it is still
// being written is not cut. The file is opened for each read and closed again, so this never holds
// a handle that could stand in the way of the extension rotating it. When the extension rotates
// the file (FILE becomes FILE.1 and a fresh FILE starts), the rest of the old file is read from
// FILE.1 and the new one followed from its start.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync, type BigIntStats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import { CONFIG_FILE, TRACE_FILE } from '../iis/names.js';
import { CliError } from './errors.js';

export const traceUsage = `Usage: isapi-node trace [FILE | --config isapi_node.json] [--once] [--request ID] [--grep TEXT]

Prints the isapi-node trace channel and follows it, record by record, as written (timestamp,
[source], text; a stack stays with its record), across the extension's rotations (FILE.1).
FILE is the "trace" file of the configuration. Without FILE or --config: the isapi_node.json in
the current folder.

  --config FILE   the extension configuration whose trace to follow: its "trace" key, or without
                  one the platform's default (Windows: isapi_node.log beside the configuration;
                  elsewhere the trace goes to the standard error of the process that loaded it)
  --request ID    only the records about request ID (they say "request ID", as in
                  "request 12 (GET /x): ..."), and the repeat counts that follow them
  --grep TEXT     only the records whose text holds TEXT
  --once          print what is there and exit`;

/** How often the file is checked for new records. */
const POLL_MS = 200;
/** The most read at once: a 64 MB trace file is printed in pieces, not held whole. */
const READ_CHUNK = 1 << 20;

/** A record's first line: `2026-01-31T12:00:00.123Z [source] ` (native/extension/trace.cc). */
const RECORD_HEADER = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z \[[^\]\n]*\] /;
/** The record the extension writes for identical records it folded (Trace::repeats_record_locked). */
const REPEATS_RECORD = /^\S+ \[[^\]\n]*\] … the record above came \d+ more time\(s\)/;

/** Which records to print: all, or those about one request and/or holding a text. */
export interface RecordFilter {
  request?: string;
  grep?: string;
}

/** A test for one record's whole text (header and continuation lines), or null for "all". */
export function recordMatcher(filter: RecordFilter): ((record: string) => boolean) | null {
  const tests: Array<(record: string) => boolean> = [];
  if (filter.request !== undefined) {
    if (!/^\d+$/.test(filter.request)) throw new CliError(`--request takes a request id (a whole number, as in "request 12"), not "${filter.request}"`);
    // "request 12" but not "request 123"; the native side and lib/core both write "request ID".
    const about = new RegExp(`\\brequest ${filter.request}(?![0-9])`);
    tests.push((record) => about.test(record));
  }
  if (filter.grep !== undefined) {
    const text = filter.grep;
    tests.push((record) => record.includes(text));
  }
  return tests.length === 0 ? null : (record) => tests.every((test) => test(record));
}

/**
 * Splits trace text into records and prints them, whole. Text arrives in pieces (`push`); a record
 * is printed once the next one has begun, or when `flush` says nothing more belongs to it.
 */
export class RecordPrinter {
  #pending = '';
  /** Whether the last record printed matched: its repeat count, and stray lines after it, go with it. */
  #lastShown = true;
  readonly #matches: ((record: string) => boolean) | null;
  readonly #write: (text: string) => void;

  constructor(filter: RecordFilter, write: (text: string) => void) {
    this.#matches = recordMatcher(filter);
    this.#write = write;
  }

  /** Whether text is held back (a last record not yet known to be complete). */
  get holding(): boolean {
    return this.#pending !== '';
  }

  /** Adds text; prints every record that the text shows to be complete. */
  push(text: string): void {
    this.#pending += text;
    const starts = recordStarts(this.#pending);
    // Everything before the last record's start is complete; the last one may still grow.
    const last = starts.length > 0 ? starts[starts.length - 1] : 0;
    if (last > 0) {
      this.#print(this.#pending.slice(0, last), starts.slice(0, -1));
      this.#pending = this.#pending.slice(last);
    }
  }

  /** Prints what is held: the file was quiet (and the text ends a line), or it has ended. */
  flush({ whole = true }: { whole?: boolean } = {}): void {
    if (this.#pending === '' || (!whole && !this.#pending.endsWith('\n'))) return;
    const text = this.#pending;
    this.#pending = '';
    this.#print(text, recordStarts(text));
  }

  #print(text: string, starts: number[]): void {
    // Text before the first record's header (stray lines): it belongs with the record before.
    const first = starts.length > 0 ? starts[0] : text.length;
    if (first > 0 && this.#lastShown) this.#write(text.slice(0, first));
    for (let i = 0; i < starts.length; i++) {
      const record = text.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : text.length);
      const shown = this.#matches === null || this.#matches(record) || (this.#lastShown && REPEATS_RECORD.test(record));
      if (shown) this.#write(record);
      this.#lastShown = shown;
    }
  }
}

/** The offsets in `text` where a record's header line begins. */
function recordStarts(text: string): number[] {
  const starts: number[] = [];
  for (let at = 0; at < text.length; ) {
    if (RECORD_HEADER.test(text.slice(at, at + 64))) starts.push(at);
    const eol = text.indexOf('\n', at);
    if (eol < 0) break;
    at = eol + 1;
  }
  return starts;
}

/** The configuration's JSON: the extension reads it with comments allowed (nlohmann's ignore_comments). */
export function parseConfigText(text: string): Record<string, unknown> {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // A string, escapes and all, copied as it is.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      out += ' ';
    } else {
      out += c;
    }
  }
  const value = JSON.parse(out) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('it must hold a JSON object');
  return value as Record<string, unknown>;
}

/**
 * The trace file of the extension configuration `configFile`: its "trace" key (relative to the
 * configuration's folder), or without one the platform's default, as the extension decides it
 * (native/extension/{posix,win}/platform.cc default_trace): on Windows isapi_node.log beside the
 * configuration; elsewhere standard error, which is no file to follow.
 */
export function traceFileOf(configFile: string, platform: NodeJS.Platform = process.platform): string {
  let config: Record<string, unknown>;
  try {
    config = parseConfigText(readFileSync(configFile, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read the configuration ${configFile}: ${(error as Error).message}`);
  }
  const trace = config.trace;
  if (trace === undefined) {
    if (platform === 'win32') return join(dirname(resolve(configFile)), TRACE_FILE);
    throw new CliError(
      `${configFile} has no "trace": on this platform the trace channel then goes to the standard error of the process that ` +
        'loaded the extension (isapi-host, isapi-node host), not to a file. Name a file with "trace" to follow it here.',
    );
  }
  if (typeof trace !== 'string') throw new CliError(`"trace" in ${configFile} must be a string`);
  if (trace === 'stderr' || trace === '') throw new CliError(`${configFile} sends the trace to stderr, not to a file`);
  return resolve(dirname(configFile), trace);
}

export interface FollowOptions extends RecordFilter {
  file: string;
  /** Print what is there and return. */
  once?: boolean;
  /** Stops following (Ctrl+C); what is held is printed first. */
  signal?: AbortSignal;
  pollMs?: number;
  write?: (text: string) => void;
  /** Notes about the following itself (a rotation that lost records), not trace records. */
  note?: (text: string) => void;
}

/** The file being followed: its identity (0n where the file system has none) and how far it was read. */
interface Followed {
  ino: bigint;
  offset: number;
}

function statOf(file: string): BigIntStats | undefined {
  try {
    return statSync(file, { bigint: true });
  } catch {
    return undefined;
  }
}

/** Prints the trace file's records, then follows it (across rotations) until `signal` aborts. */
export async function followTrace(options: FollowOptions): Promise<void> {
  const { file } = options;
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const note = options.note ?? ((text: string) => void process.stderr.write(`isapi-node trace: ${text}\n`));
  const printer = new RecordPrinter(options, write);
  const rotated = `${file}.1`;
  let followed: Followed | undefined;
  let decoder = new StringDecoder('utf8');
  let waitingNoted = false;

  /**
   * Reads `path` from `from` to its end, if it is still the file `ino` (0n: no identity to check);
   * returns how far it got. A file renamed between the stat and the open is left for the next poll.
   */
  const readFrom = (path: string, from: number, ino: bigint): number => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return from; // gone meanwhile: the next poll sees what replaced it
    }
    try {
      const stats = fstatSync(fd, { bigint: true });
      if (ino !== 0n && stats.ino !== ino) return from;
      const end = Number(stats.size);
      const buffer = Buffer.alloc(Math.min(READ_CHUNK, Math.max(end - from, 0)));
      let at = from;
      while (at < end) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, end - at), at);
        if (n <= 0) break;
        at += n;
        printer.push(decoder.write(buffer.subarray(0, n)));
      }
      return at;
    } finally {
      closeSync(fd);
    }
  };

  /** The file followed so far was replaced: its rest is in FILE.1, if that is still the same file. */
  const finishRotated = (old: Followed): void => {
    const previous = statOf(rotated);
    const same = previous && (old.ino !== 0n ? previous.ino === old.ino : Number(previous.size) >= old.offset);
    if (same) readFrom(rotated, old.offset, old.ino);
    else note(`${file} was rotated more than once between two reads: records of the file before ${rotated} were not shown`);
    printer.push(decoder.end());
    printer.flush();
    decoder = new StringDecoder('utf8');
  };

  /** One poll; returns whether anything was read. */
  const drain = (): boolean => {
    const stats = statOf(file);
    if (!stats || !stats.isFile()) {
      // Between the rotation's rename and the new file's creation, or not created yet.
      if (followed) {
        finishRotated(followed);
        followed = undefined;
      } else if (!waitingNoted) {
        note(`${file} does not exist yet; waiting for it`);
        waitingNoted = true;
      }
      return false;
    }
    const size = Number(stats.size);
    if (followed && followed.ino !== 0n && stats.ino !== followed.ino) {
      finishRotated(followed); // a new file under the name: the extension rotated it
      followed = undefined;
    } else if (followed && size < followed.offset) {
      if (followed.ino === 0n) finishRotated(followed); // no identity to tell: a shorter file is taken for a new one
      else printer.flush(); // truncated in place: start over
      followed = undefined;
    }
    if (!followed) followed = { ino: stats.ino, offset: 0 };
    if (size === followed.offset) return false;
    const from = followed.offset;
    followed.offset = readFrom(file, from, followed.ino);
    return followed.offset !== from;
  };

  if (options.once) {
    if (!existsSync(file)) throw new CliError(`the trace file ${file} does not exist yet`);
    drain();
    printer.push(decoder.end());
    printer.flush();
    return;
  }
  const pollMs = options.pollMs ?? POLL_MS;
  await new Promise<void>((done) => {
    const poll = () => {
      // A quiet poll completes the last record read (each record is one write, ending its line).
      if (!drain()) printer.flush({ whole: false });
    };
    poll();
    const timer = setInterval(poll, pollMs);
    const stop = () => {
      clearInterval(timer);
      poll();
      printer.flush();
      done();
    };
    if (options.signal?.aborted) stop();
    else options.signal?.addEventListener('abort', stop, { once: true });
  });
}

export async function traceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      once: { type: 'boolean', default: false },
      request: { type: 'string' },
      grep: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(traceUsage);
    return 0;
  }
  if (positionals.length > 1) throw new CliError(`name one trace file, not ${positionals.length}`);
  let file = positionals[0];
  if (file && values.config) throw new CliError('name the trace file or --config, not both');
  if (!file) {
    const config = values.config ?? (existsSync(CONFIG_FILE) ? CONFIG_FILE : undefined);
    if (!config) throw new CliError(`name the trace file, or --config with the extension configuration (there is no ${CONFIG_FILE} here)`);
    file = traceFileOf(config);
  }
  recordMatcher(values); // a bad --request is refused before anything is printed
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  await followTrace({ file, once: values.once, request: values.request, grep: values.grep, signal: stop.signal });
  return 0;
}
