// Large transfers, one at a time, with Node's http client: MB/s and the server's peak memory.
import http from 'node:http';
import { Readable } from 'node:stream';
import { memoryBytes, resetPeak } from './proc.mjs';

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(256 * 1024, 'u');

function timed(run, pids, bytes) {
  const before = pids.map((pid) => memoryBytes(pid));
  pids.forEach(resetPeak);
  const t0 = process.hrtime.bigint();
  return run().then(() => {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const growth = Math.max(...pids.map((pid, i) => memoryBytes(pid, 'VmHWM') - before[i]));
    return { mbPerSecond: bytes / MB / seconds, seconds, rssGrowthMB: growth / MB };
  });
}

/** GETs `endpoint?bytes=N` and checks every byte arrived. */
export function download(endpoint, bytes, pids) {
  return timed(
    () =>
      new Promise((resolve, reject) => {
        http.get(`${endpoint}?bytes=${bytes}`, { agent: false }, (res) => {
          let got = 0;
          res.on('data', (c) => (got += c.length));
          res.on('end', () => (got === bytes ? resolve() : reject(new Error(`got ${got} of ${bytes} bytes`))));
          res.on('error', reject);
        }).on('error', reject);
      }),
    pids,
    bytes,
  );
}

/** POSTs N bytes to `endpoint`, which answers with the count it received. */
export function upload(endpoint, bytes, pids) {
  return timed(
    () =>
      new Promise((resolve, reject) => {
        let sent = 0;
        const body = new Readable({
          read() {
            if (sent >= bytes) return void this.push(null);
            const n = Math.min(CHUNK.length, bytes - sent);
            sent += n;
            this.push(CHUNK.subarray(0, n));
          },
        });
        const req = http.request(endpoint, { method: 'POST', agent: false, headers: { 'Content-Length': String(bytes) } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => (Number(text) === bytes ? resolve() : reject(new Error(`server counted ${text} of ${bytes} bytes`))));
        });
        req.on('error', reject);
        body.pipe(req);
      }),
    pids,
    bytes,
  );
}
