// Large transfers, one at a time, with curl (a C client, so the client is not what is measured):
// MB/s and the server's peak memory. Every byte is accounted for: the download's size as curl
// received it, the upload's count as the server reports it.
import { execFile } from 'node:child_process';
import { mkdtempSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCore } from './pin.mjs';
import { memoryBytes, resetPeak } from './proc.mjs';

const MB = 1024 * 1024;
const CHUNK = Buffer.alloc(MB, 'u');

function curl(args, seconds = 120) {
  return new Promise((resolve, reject) => {
    execFile(...onCore('load', 'curl', ['-sS', '--fail', ...args]), { timeout: seconds * 1000, maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`curl failed: ${error.message} ${stderr}`)) : resolve(stdout),
    );
  });
}

async function timed(run, pids, bytes) {
  const before = pids.map((pid) => memoryBytes(pid));
  pids.forEach(resetPeak);
  const t0 = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const growth = Math.max(...pids.map((pid, i) => memoryBytes(pid, 'VmHWM') - before[i]));
  return { mbPerSecond: bytes / MB / seconds, seconds, rssGrowthMB: growth / MB };
}

/** GETs `endpoint?bytes=N` and checks every byte arrived. */
export function download(endpoint, bytes, pids) {
  return timed(
    async () => {
      const got = Number(await curl(['-o', '/dev/null', '-w', '%{size_download}', `${endpoint}?bytes=${bytes}`]));
      if (got !== bytes) throw new Error(`got ${got} of ${bytes} bytes`);
    },
    pids,
    bytes,
  );
}

const bodies = new Map();

/** A file of `bytes` bytes to upload, written once per size. */
function bodyFile(bytes) {
  if (!bodies.has(bytes)) {
    const file = join(mkdtempSync(join(tmpdir(), 'isapi-bench-')), 'body');
    const fd = openSync(file, 'w');
    for (let left = bytes; left > 0; left -= CHUNK.length) writeSync(fd, CHUNK, 0, Math.min(CHUNK.length, left));
    closeSync(fd);
    bodies.set(bytes, file);
  }
  return bodies.get(bytes);
}

/** POSTs N bytes to `endpoint`, which answers with the count it received. */
export function upload(endpoint, bytes, pids) {
  const file = bodyFile(bytes);
  return timed(
    async () => {
      // -T streams the file (--data-binary would read all of it into memory first).
      const text = await curl(['-X', 'POST', '-H', 'Content-Type: application/octet-stream', '-H', 'Expect:', '-T', file, endpoint]);
      if (Number(text) !== bytes) throw new Error(`server counted ${text} of ${bytes} bytes`);
    },
    pids,
    bytes,
  );
}
