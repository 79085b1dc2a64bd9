// The framework examples (examples/<fw>/dist/app.js) running in the two ways an app runs: `host`,
// the real path (isapi-host --strict → isapi_node.so → embedded Node), and `serve`, the dev server
// (serve() on Node's http with the module loaded as the CLI loads it). Both mount the app at /app.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadApp } from '../../lib/runtime/load-app.js';
import { serve } from '../../lib/serve/index.js';
import { startApp } from '../support/app-host.js';
import { projectRoot } from '../support/build.js';
import type { HostStats } from '../support/host.js';

export const FRAMEWORKS = ['express', 'koa', 'fastify', 'hono'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export const MODES = ['host', 'serve'] as const;
export type Mode = (typeof MODES)[number];

/** The virtual directory every example is mounted at. */
export const MOUNT = '/app';

export interface RunningExample {
  mode: Mode;
  /** The application's base URL, e.g. http://127.0.0.1:PORT/app (no trailing slash). */
  base: string;
  /** The trace channel so far (the extension's trace file, or what serve() traced). */
  trace: () => string;
  /** Stops the server; for `host`, the exit code and the contract checker's stats. */
  stop: () => Promise<{ code: number | null; stats: HostStats | null }>;
}

/** The compiled example, or an error that says how to build it. */
export function exampleModule(framework: Framework): string {
  const file = join(projectRoot, 'examples', framework, 'dist', 'app.js');
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: build the examples first (\`npm run build\`, or \`npx tsc -p examples/${framework}\`)`);
  }
  return file;
}

export async function startExample(framework: Framework, mode: Mode): Promise<RunningExample> {
  const app = exampleModule(framework);
  if (mode === 'host') {
    const running = await startApp({ app, hostArgs: ['--virtual-dir', MOUNT] });
    return { mode, base: `${running.url}${MOUNT}`, trace: running.trace, stop: () => running.stop() };
  }
  const loaded = await loadApp(app, '');
  if ('failure' in loaded) throw new Error(`${framework}: ${loaded.failure.message}`);
  const traced: string[] = [];
  const server = await serve(loaded.app, { port: 0, scriptName: MOUNT, trace: (text) => traced.push(text) });
  return {
    mode,
    base: server.url,
    trace: () => traced.join(''),
    stop: async () => {
      await server.close();
      return { code: null, stats: null };
    },
  };
}
