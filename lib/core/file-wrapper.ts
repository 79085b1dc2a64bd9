// isapi.file_wrapper: a body that is a file, or a range of one. When it is what the app returns,
// the handler hands the open descriptor to the transport (IIS's TRANSMIT_FILE), so the bytes never
// pass through JavaScript. It is also an ordinary async-iterable body, so anything that only knows
// the Body type (a validator, the dev server, another WSGI-style server) can still read it.

import { fstat, read } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { IsapiError, describeValue } from './errors.js';

const fstatAsync = promisify(fstat);
const readAsync = promisify(read);

/** How much one iteration step reads: the same size as request body reads. */
export const FILE_CHUNK_BYTES = 64 * 1024;

export interface FileWrapperOptions {
  /** Where the range starts; 0 by default. */
  offset?: number;
  /** How many bytes to send; by default up to the end of the file (a longer range is cut there). */
  length?: number;
  /** false: never add a Content-Length header for the file (the app may still set one itself). */
  contentLengthHeader?: boolean;
}

/** The file as the transport needs it, resolved by open(). */
export interface OpenFile {
  fd: number;
  offset: number;
  length: number;
  /** The whole file's size. */
  size: number;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export class FileBody implements AsyncIterable<Uint8Array> {
  /** The path to open, or a descriptor that stays the app's to close. */
  readonly file: string | number;
  readonly contentLengthHeader: boolean;
  readonly #offset: number;
  readonly #length: number | undefined;
  #opening: Promise<OpenFile> | null = null;
  /** Set only when this wrapper opened the file itself, and so must close it. */
  #handle: FileHandle | null = null;
  #closed = false;

  constructor(file: string | number, options: FileWrapperOptions = {}) {
    if (!(typeof file === 'string' && file !== '') && !isNonNegativeInteger(file)) {
      throw new IsapiError('ISAPI_BAD_FILE', describeValue(file), 'pass a path or an open file descriptor');
    }
    this.file = file;
    const { offset = 0, length, contentLengthHeader = true } = options;
    if (!isNonNegativeInteger(offset)) {
      throw new IsapiError('ISAPI_BAD_FILE_RANGE', this.#name(), `offset must be a non-negative integer, got ${describeValue(offset)}`);
    }
    if (length !== undefined && !isNonNegativeInteger(length)) {
      throw new IsapiError('ISAPI_BAD_FILE_RANGE', this.#name(), `length must be a non-negative integer, got ${describeValue(length)}`);
    }
    this.#offset = offset;
    this.#length = length;
    this.contentLengthHeader = contentLengthHeader;
  }

  #name(): string {
    return typeof this.file === 'string' ? JSON.stringify(this.file) : `descriptor ${this.file}`;
  }

  /** Opens the file (once) and resolves its range; rejects when it is missing or not a regular file. */
  open(): Promise<OpenFile> {
    this.#opening ??= this.#open();
    return this.#opening;
  }

  async #open(): Promise<OpenFile> {
    if (this.#closed) throw new IsapiError('ISAPI_BAD_FILE', this.#name(), 'the file body is already closed');
    let fd: number;
    let stats: { size: number; isFile(): boolean };
    if (typeof this.file === 'string') {
      this.#handle = await open(this.file, 'r');
      fd = this.#handle.fd;
      stats = await this.#handle.stat();
    } else {
      fd = this.file;
      stats = await fstatAsync(fd);
    }
    if (!stats.isFile()) throw new IsapiError('ISAPI_BAD_FILE', this.#name(), 'it is not a regular file');
    if (this.#offset > stats.size) {
      throw new IsapiError('ISAPI_BAD_FILE_RANGE', this.#name(), `offset ${this.#offset} is past the end of the file (${stats.size} bytes)`);
    }
    const length = Math.min(this.#length ?? Infinity, stats.size - this.#offset);
    return { fd, offset: this.#offset, length, size: stats.size };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    const { fd, offset, length } = await this.open();
    let position = offset;
    let left = length;
    while (left > 0) {
      const buffer = Buffer.allocUnsafe(Math.min(FILE_CHUNK_BYTES, left));
      const { bytesRead } = await readAsync(fd, buffer, 0, buffer.length, position);
      // A file that shrank ends early; a Content-Length check downstream reports the short body.
      if (bytesRead === 0) return;
      position += bytesRead;
      left -= bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  }

  /** Closes the file if this wrapper opened it; a descriptor passed in is left open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // An open still in flight would leave its handle behind: let it finish, then close that.
    await this.#opening?.catch(() => undefined);
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }
}
