// Starting and stopping each contender, all on loopback. Every start resolves once the contender
// answers /plaintext, and records the cold start (process start to first answer) and its memory.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCore } from './pin.mjs';
import { memoryBytes } from './proc.mjs';

export const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const build = join(root, 'build', 'Release');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function get(url) {
  return new Promise((resolve) => {
    http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', () => resolve(0));
  });
}

/** Polls until the URL answers 200 (at most `ms`); returns the milliseconds since `t0`. */
async function firstAnswer(url, t0, ms = 30_000) {
  while (performance.now() - t0 < ms) {
    if ((await get(url)) === 200) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

function spawnLogged(command, args, env = {}) {
  const child = spawn(...onCore('server', command, args), { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.on('exit', (code) => {
    if (code && !child.stopping) console.error(`${command} exited with ${code}:\n${stderr}`);
  });
  return child;
}

function stopper(children) {
  return () =>
    Promise.all(
      children.map(
        (c) =>
          new Promise((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.stopping = true;
            c.once('exit', resolve);
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
}

async function started(name, children, port, pids, paths = {}) {
  const url = `http://127.0.0.1:${port}`;
  const coldStartMs = await firstAnswer(`${url}/plaintext`, children.t0);
  const idleMB = pids().reduce((sum, pid) => sum + memoryBytes(pid), 0) / (1024 * 1024);
  return { name, url, pids, coldStartMs, idleMB, paths, stop: stopper(children) };
}

function hostArgs(extension, port, threads) {
  return ['--extension', extension, '--port', String(port), '--threads', String(threads)];
}

/** isapi-host + the native reference extension: no Node at all. */
export async function ceiling({ threads }) {
  const port = await freePort();
  const t0 = performance.now();
  const host = spawnLogged(join(build, 'isapi-host'), hostArgs(join(build, 'hello_ext.so'), port, threads));
  const children = Object.assign([host], { t0 });
  return started('ceiling', children, port, () => [host.pid], { download: '/stream', upload: null });
}

/** A process's children (the out-of-process model's workers), by pid. */
function childrenOf(pid) {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

/**
 * isapi-host + isapi_node.so + a WSGI-style app module: in process (embedded Node, libnode 18) by
 * default; `outOfProcess` runs it in one worker process of the machine's own Node instead.
 */
export async function isapiNode({ threads, app = join(root, 'bench/apps/wsgi.mjs'), name = 'isapi-node', workers = 1, outOfProcess = false }) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'isapi-bench-'));
  const config = join(dir, 'isapi_node.json');
  const model = outOfProcess ? { hostingModel: 'outofprocess', processes: workers, nodePath: process.execPath } : { workers };
  // No body limit: the upload workload sends 100 MB (the default limit, IIS's, is 30 MB).
  writeFileSync(config, JSON.stringify({ app, ...model, maxRequestBodyBytes: 0, trace: join(dir, 'trace.log') }));
  const t0 = performance.now();
  const host = spawnLogged(join(build, 'isapi-host'), hostArgs(join(build, 'isapi_node.so'), port, threads), { ISAPI_NODE_CONFIG: config });
  return started(name, Object.assign([host], { t0 }), port, () => [host.pid, ...childrenOf(host.pid)]);
}

/** The same routes on Node's own http server. */
export async function nodeHttp({ express = false, name = 'node-http' } = {}) {
  const port = await freePort();
  const t0 = performance.now();
  const node = spawnLogged(process.execPath, [join(root, 'bench/apps/node-http.mjs'), String(port), express ? 'express' : '']);
  return started(name, Object.assign([node], { t0 }), port, () => [node.pid]);
}

/** nginx reverse-proxying to node-http over loopback with keep-alive: the ARR / iisnode shape. */
export async function proxyHop() {
  const upstream = await nodeHttp({ name: 'upstream' });
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'isapi-nginx-'));
  const upstreamPort = new URL(upstream.url).port;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  client_max_body_size 0;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 256; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering off;
      proxy_buffering off;
    }
  }
}
`,
  );
  const t0 = performance.now();
  const nginx = spawnLogged('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
  const children = Object.assign([nginx], { t0 });
  const pids = () => [nginx.pid, ...childrenOf(nginx.pid), ...upstream.pids()];
  const contender = await started('proxy-hop', children, port, pids);
  const stopNginx = contender.stop;
  contender.stop = () => Promise.all([stopNginx(), upstream.stop()]);
  return contender;
}
