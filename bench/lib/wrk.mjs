// Drives a URL with wrk (Debian's package) for a bounded time and parses its report.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCore } from './pin.mjs';

const UNITS = { us: 1e-3, ms: 1, s: 1000, m: 60000 };

function millis(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  return m ? Number(m[1]) * UNITS[m[2]] : NaN;
}

/** A wrk script that POSTs a body of `bytes` bytes. */
export function postScript(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'isapi-bench-'));
  const file = join(dir, 'post.lua');
  writeFileSync(file, `wrk.method = "POST"\nwrk.body = string.rep("p", ${bytes})\nwrk.headers["Content-Type"] = "application/octet-stream"\n`);
  return file;
}

/** { requests, rps, p50, p99, errors } from one wrk run of `seconds` with `connections`. */
export function wrk(url, { connections, seconds, threads = 2, script }) {
  const args = ['-t', String(Math.min(threads, connections)), '-c', String(connections), '-d', `${seconds}s`, '--latency', '--timeout', '10s'];
  if (script) args.push('-s', script);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile(...onCore('load', 'wrk', args), { timeout: (seconds + 30) * 1000 }, (error, stdout) => {
      if (error) return reject(new Error(`wrk failed: ${error.message}\n${stdout}`));
      const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
      const p50 = millis(/\s50%\s+(\S+)/.exec(stdout)?.[1] ?? '');
      const p99 = millis(/\s99%\s+(\S+)/.exec(stdout)?.[1] ?? '');
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
      const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
      resolve({ requests, rps, p50, p99, errors });
    });
  });
}
