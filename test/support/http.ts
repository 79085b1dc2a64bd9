import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
  agent?: http.Agent;
}

/** One request with Node's http client; collects the whole body. */
export function request(url: string, options: RequestOptions = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body instanceof Readable) options.body.pipe(req);
    else req.end(options.body);
  });
}

/** One request whose response body is hashed as it streams, never held whole. */
export function requestHashed(url: string, options: RequestOptions = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes, sha256: hash.digest('hex') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body instanceof Readable) options.body.pipe(req);
    else req.end(options.body);
  });
}

/** Sends raw bytes and returns everything the server sends until it closes (or the timeout). */
export function rawExchange(port: number, bytes: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (e) => {
      clearTimeout(timer);
      if (chunks.length) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A deterministic body of `size` bytes, produced in chunks so large bodies never sit in memory. */
export function generatedBody(size: number, seed = 1): { stream: () => Readable; sha256: string } {
  const chunkSize = 64 * 1024;
  const chunkAt = (offset: number) => {
    const n = Math.min(chunkSize, size - offset);
    const buf = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) buf[i] = ((offset + i) * 31 + seed) & 0xff;
    return buf;
  };
  const hash = createHash('sha256');
  for (let off = 0; off < size; off += chunkSize) hash.update(chunkAt(off));
  return {
    sha256: hash.digest('hex'),
    stream: () => {
      let offset = 0;
      return new Readable({
        read() {
          if (offset >= size) return void this.push(null);
          const c = chunkAt(offset);
          offset += c.length;
          this.push(c);
        },
      });
    },
  };
}

/** SHA-256 of the reference extension's /stream body: byte i is i mod 251. */
export function streamPatternSha256(size: number): string {
  const hash = createHash('sha256');
  const chunk = 251 * 261; // a whole number of periods, ~64 KiB
  const period = Buffer.alloc(chunk);
  for (let i = 0; i < chunk; i++) period[i] = i % 251;
  let left = size;
  while (left > 0) {
    const n = Math.min(chunk, left);
    hash.update(n === chunk ? period : period.subarray(0, n));
    left -= n;
  }
  return hash.digest('hex');
}

/**
 * Sends raw request bytes (the request should say "Connection: close") from a socket whose local
 * port is known, and parses the JSON body of the answer.
 */
export async function rawJsonExchange<T>(port: number, bytes: string): Promise<{ json: T; clientPort: number }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const clientPort = socket.localPort!;
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  socket.write(bytes);
  await new Promise((r) => socket.once('close', r));
  const wire = Buffer.concat(chunks).toString();
  return { json: JSON.parse(wire.slice(wire.indexOf('\r\n\r\n') + 4)) as T, clientPort };
}
