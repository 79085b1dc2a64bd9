// The one line the extension writes on a worker's standard input before it closes it:
// {"address": "...", "secret": "<64 hex digits>"} (docs/protocol.md, "Starting a worker"). Nothing
// secret is on the command line or in the environment, where other processes could read it.

import type { Readable } from 'node:stream';
import { SECRET_BYTES } from './frames.js';

/** More than the extension ever writes; a longer line is not the extension's. */
export const MAX_START_LINE_BYTES = 4096;

export interface StartLine {
  /** A Unix socket path, or a \\.\pipe\ name on Windows. */
  address: string;
  secret: Buffer;
}

/** Why the worker cannot start from what it was given; the message says what was wrong. */
export class StartLineError extends Error {
  constructor(detail: string) {
    super(
      `isapi-node: the worker expects one line {"address": "...", "secret": "<64 hex digits>"} on its standard input, ` +
        `from the isapi-node extension that starts it (it is not run by hand): ${detail}`,
    );
    this.name = 'StartLineError';
  }
}

/** Reads up to the first newline, or to the end of the stream; stops reading the stream after. */
export function readStartLine(stream: Readable): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const finish = (error: Error | null): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      // Nothing more is read; the extension closes its end anyway. Left open, it would keep the
      // process alive after the connection closed.
      stream.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      const newline = text.indexOf('\n');
      if (error) reject(error);
      else resolve(newline < 0 ? text : text.slice(0, newline));
    };
    const onData = (chunk: Buffer | string): void => {
      const piece = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(piece);
      bytes += piece.length;
      const newline = piece.indexOf(0x0a);
      if (newline >= 0 && bytes - piece.length + newline <= MAX_START_LINE_BYTES) finish(null);
      else if (bytes > MAX_START_LINE_BYTES) finish(new StartLineError(`it is longer than ${MAX_START_LINE_BYTES} bytes`));
    };
    const onEnd = (): void => finish(null);
    const onError = (error: Error): void => finish(new StartLineError(`reading it failed: ${error.message}`));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

export function parseStartLine(line: string): StartLine {
  if (line.trim() === '') throw new StartLineError('standard input was empty');
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new StartLineError(`it is not JSON (${(error as Error).message})`);
  }
  const { address, secret } = (typeof value === 'object' && value !== null ? value : {}) as { address?: unknown; secret?: unknown };
  if (typeof address !== 'string' || address === '') throw new StartLineError('"address" is missing or not a non-empty string');
  if (typeof secret !== 'string' || !new RegExp(`^[0-9a-fA-F]{${SECRET_BYTES * 2}}$`).test(secret)) {
    throw new StartLineError(`"secret" is missing or not ${SECRET_BYTES * 2} hex digits`);
  }
  return { address, secret: Buffer.from(secret, 'hex') };
}
