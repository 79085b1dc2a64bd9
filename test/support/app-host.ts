import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtFile } from './build.js';
import { startHost, type RunningHost } from './host.js';
import { hostingKeys } from './hosting-model.js';

export interface AppHostOptions {
  /** The app module (absolute path). */
  app: string;
  export?: string;
  workers?: number;
  /** Extra keys for the extension's configuration (or replacements). */
  config?: Record<string, unknown>;
  /** Write this text as the configuration instead (for bad-config tests). */
  rawConfig?: string;
  /** isapi-host options. */
  hostArgs?: string[];
  /** Run isapi-host with --hostile (the default; see startHost). */
  hostile?: boolean;
  /** The extension library to load instead of the build's isapi_node.so. */
  extension?: string;
  /** Extra environment for the host (and so the extension). */
  env?: Record<string, string>;
}

export interface RunningApp extends RunningHost {
  /** Everything on the trace channel so far. */
  trace: () => string;
  configFile: string;
}

/** The real path: isapi-host (strict) → isapi_node.so → embedded Node (or worker processes, per the suite's hosting model) → the app. */
export async function startApp(options: AppHostOptions): Promise<RunningApp> {
  const dir = mkdtempSync(join(tmpdir(), 'isapi-node-test-'));
  const configFile = join(dir, 'isapi_node.json');
  const traceFile = join(dir, 'trace.log');
  const config = { app: options.app, export: options.export ?? '', ...hostingKeys(options.workers ?? 1), trace: traceFile, ...options.config };
  writeFileSync(configFile, options.rawConfig ?? JSON.stringify(config, null, 2));
  const host = await startHost({
    extension: options.extension ?? builtFile('isapi_node.so'),
    hostile: options.hostile,
    args: options.hostArgs,
    env: { ...options.env, ISAPI_NODE_CONFIG: configFile },
    startTimeoutMs: 30_000,
  });
  return {
    ...host,
    configFile,
    trace: () => (existsSync(traceFile) ? readFileSync(traceFile, 'utf8') : ''),
  };
}

export const fixture = (name: string) => new URL(`../inprocess/fixtures/${name}`, import.meta.url).pathname;
