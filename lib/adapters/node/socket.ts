// The socket a Node listener sees on req.socket: the connection's addresses from the environ, and
// no I/O of its own (the bytes travel through IIS, not through this object).
import { Duplex } from 'node:stream';
import type { Environ } from '../../types.js';

export class AdapterSocket extends Duplex {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly remoteFamily: string | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  /** Present only for TLS, as on a tls.TLSSocket: Express and Koa read it for req.protocol. */
  readonly encrypted?: true;

  constructor(environ: Environ) {
    super();
    this.remoteAddress = environ.REMOTE_ADDR;
    this.remotePort = environ.REMOTE_PORT ? Number(environ.REMOTE_PORT) : undefined;
    this.remoteFamily = environ.REMOTE_ADDR?.includes(':') ? 'IPv6' : 'IPv4';
    this.localAddress = environ.LOCAL_ADDR;
    this.localPort = environ.SERVER_PORT ? Number(environ.SERVER_PORT) : undefined;
    if (environ['wsgi.url_scheme'] === 'https') this.encrypted = true;
  }

  override _read(): void {}
  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    callback();
  }
  address(): { address: string; port: number; family: string } {
    return { address: this.localAddress ?? '', port: this.localPort ?? 0, family: this.remoteFamily ?? 'IPv4' };
  }
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}
