#!/usr/bin/env node
// `npm run bench [-- --quick]`: isapi-node against the ceiling (the host with a native extension),
// Node's own http server, and an nginx reverse-proxy hop, in one run on this machine. Writes
// bench/results/latest.json and latest.md. Every load is bounded in time; loopback only.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ceiling, isapiNode, nodeHttp, proxyHop, root } from './lib/contenders.mjs';
import { pinCores, pinning } from './lib/pin.mjs';
import { cpuSeconds } from './lib/proc.mjs';
import { markdown, summary } from './lib/report.mjs';
import { download, upload } from './lib/transfer.mjs';
import { postScript, wrk } from './lib/wrk.mjs';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    threads: { type: 'string', default: '2' },
    pin: { type: 'boolean', default: false },
  },
});
if (opts.pin) pinCores();
const quick = opts.quick;
const rounds = Number(opts.rounds ?? (quick ? 1 : 3));
const seconds = Number(opts.seconds ?? (quick ? 2 : 8));
const warmupSeconds = quick ? 1 : 2;
const threads = Number(opts.threads);
const TRANSFER_BYTES = 100 * 1024 * 1024;

// isapi-node oop: the out-of-process model, one worker process of the machine's own Node.
const CORE = ['ceiling', 'isapi-node', 'isapi-node oop', 'node-http', 'proxy-hop'];
const hello = (c) => ({ name: `hello c=${c}`, path: '/plaintext', connections: c, contenders: c > 1 ? [...CORE, 'isapi-node x2'] : CORE });
const workloads = [
  hello(1),
  hello(64),
  hello(256),
  { name: '64 KiB c=64', path: '/bytes?n=65536', connections: 64, contenders: CORE },
  { name: '1 MiB POST echo c=8', path: '/echo', connections: 8, script: postScript(1 << 20), contenders: CORE },
  { name: 'express hello c=64', path: '/plaintext', connections: 64, contenders: ['express-host', 'express-http'] },
];

console.log(`isapi-node benchmark: ${quick ? 'quick' : 'full'}${pinning() ? ', pinned' : ''}, ${rounds} round(s) × ${seconds} s, host threads ${threads}`);
const contenders = {
  ceiling: await ceiling({ threads }),
  'isapi-node': await isapiNode({ threads }),
  'isapi-node x2': await isapiNode({ threads, workers: 2, name: 'isapi-node x2' }),
  'isapi-node oop': await isapiNode({ threads, outOfProcess: true, name: 'isapi-node oop' }),
  'node-http': await nodeHttp(),
  'proxy-hop': await proxyHop(),
  'express-host': await isapiNode({ threads, app: join(root, 'bench/apps/express.mjs'), name: 'express-host' }),
  'express-http': await nodeHttp({ express: true, name: 'express-http' }),
};

try {
  const raw = workloads.map(() => ({}));
  for (let round = 0; round < rounds; round++) {
    for (const [i, w] of workloads.entries()) {
      for (const name of w.contenders) {
        const c = contenders[name];
        const url = `${c.url}${w.path}`;
        if (round === 0) await wrk(url, { connections: w.connections, seconds: warmupSeconds, script: w.script });
        const cpu0 = c.pids().reduce((s, pid) => s + cpuSeconds(pid), 0);
        const r = await wrk(url, { connections: w.connections, seconds, script: w.script });
        const cpu1 = c.pids().reduce((s, pid) => s + cpuSeconds(pid), 0);
        const entry = (raw[i][name] ??= { rps: [], p50: [], p99: [], cpuUs: [], errors: 0 });
        entry.rps.push(r.rps);
        entry.p50.push(r.p50);
        entry.p99.push(r.p99);
        entry.cpuUs.push(((cpu1 - cpu0) / r.requests) * 1e6);
        entry.errors += r.errors;
        console.log(`  ${w.name.padEnd(22)} ${name.padEnd(13)} ${r.rps.toFixed(0).padStart(8)} req/s  p99 ${r.p99.toFixed(2)} ms${r.errors ? `  ${r.errors} errors` : ''}`);
      }
    }
  }
  const results = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    rounds,
    seconds,
    machine: { cpus: os.cpus().length, node: process.version, hostThreads: threads, pinned: pinning() },
    contenders: Object.fromEntries(Object.entries(contenders).map(([n, c]) => [n, { coldStartMs: c.coldStartMs, idleMB: c.idleMB }])),
    workloads: workloads.map((w, i) => {
      const results = Object.fromEntries(
        Object.entries(raw[i]).map(([n, e]) => [n, { rps: summary(e.rps), p50: summary(e.p50), p99: summary(e.p99), cpuUs: summary(e.cpuUs), errors: e.errors }]),
      );
      const rps = (n) => results[n]?.rps?.median;
      const ratios = {};
      if (rps('isapi-node')) {
        for (const other of ['ceiling', 'node-http', 'proxy-hop']) if (rps(other)) ratios[`isapi-node / ${other}`] = rps('isapi-node') / rps(other);
        if (rps('isapi-node x2')) ratios['isapi-node 2 workers / 1'] = rps('isapi-node x2') / rps('isapi-node');
      }
      if (rps('isapi-node oop')) {
        for (const other of ['proxy-hop', 'isapi-node', 'node-http']) if (rps(other)) ratios[`isapi-node oop / ${other}`] = rps('isapi-node oop') / rps(other);
      }
      if (rps('express-host') && rps('express-http')) ratios['express: host / node http'] = rps('express-host') / rps('express-http');
      return { name: w.name, connections: w.connections, path: w.path, results, ratios };
    }),
    transfers: [],
  };
  for (const [kind, run] of [['download', download], ['upload', upload]]) {
    for (const name of CORE) {
      const c = contenders[name];
      if (c.paths[kind] === null) continue;
      const samples = [];
      const endpoint = `${c.url}${c.paths[kind] ?? `/${kind}`}`;
      for (let round = 0; round < rounds; round++) samples.push(await run(endpoint, TRANSFER_BYTES, c.pids()));
      results.transfers.push({
        name: kind,
        contender: name,
        mbPerSecond: summary(samples.map((s) => s.mbPerSecond)),
        rssGrowthMB: summary(samples.map((s) => s.rssGrowthMB)),
      });
      console.log(`  ${kind} 100 MB ${name.padEnd(13)} ${samples.map((s) => s.mbPerSecond.toFixed(0)).join(', ')} MB/s`);
    }
  }
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = pinning() ? 'latest-pinned' : 'latest';
  writeFileSync(join(dir, `${file}.json`), JSON.stringify(results, null, 2) + '\n');
  const table = markdown(results);
  writeFileSync(join(dir, `${file}.md`), table);
  console.log('\n' + table);
} finally {
  await Promise.all(Object.values(contenders).map((c) => c.stop()));
}
