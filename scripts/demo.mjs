#!/usr/bin/env node
// `npm start`: serves the demo through the real path (HTTP client → isapi-host → extension) on
// http://localhost:8080 (PORT overrides), until Ctrl+C.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const host = join(root, 'build', 'Release', 'isapi-host');
const extension = join(root, 'build', 'Release', 'hello_ext.so');
const port = process.env.PORT ?? '8080';

for (const file of [host, extension]) {
  if (!existsSync(file)) {
    console.error(`demo: ${file} is missing: run \`npm run setup\` first`);
    process.exit(1);
  }
}

const child = spawn(host, ['--extension', extension, '--port', port, '--listen', '127.0.0.1'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
child.stdout.on('data', (d) => {
  process.stdout.write(d);
  if (/listening on/.test(d.toString())) {
    console.log(`demo: open http://localhost:${port}/hello (also /vars, /stream?bytes=1000000); Ctrl+C stops`);
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 1));
