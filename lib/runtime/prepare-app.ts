// What every JavaScript worker does before it serves, in-process (a thread in IIS's process) or
// out-of-process (a node process of its own): send the app's stray errors to the trace channel, load
// the app, wrap it in validate() when the configuration asks, and settle the options of its runs.
// One copy, so an app starts and runs the same under both hosting models.

import type { RunOptions } from '../core/handler.js';
import type { App } from '../types.js';
import { validate } from '../validate/index.js';
import type { StartFailureReport } from './bridge.js';
import { loadApp } from './load-app.js';

/** The trace channel as a worker has it: `app` for what the app caused, `isapi-node` for our own news. */
export type TraceTo = (source: 'app' | 'isapi-node', text: string) => void;

/** The configuration fields that decide how the app is loaded and run. */
export interface AppSettings {
  /** The app module's path. */
  app: string;
  /** The export to serve; "" for the default one. */
  export: string;
  validate: boolean;
  maxRequestBodyBytes: number;
  /** How many workers serve the app side by side: wsgi.multiprocess when more than one. */
  workers: number;
}

export type Prepared = { app: App; options: RunOptions } | { failure: StartFailureReport };

/** A stray error in an app's background work must be seen, not end the worker (nor IIS's process). */
export function traceStrayErrors(trace: TraceTo): void {
  process.on('uncaughtException', (err) => trace('app', `uncaught exception: ${err?.stack ?? String(err)}`));
  process.on('unhandledRejection', (reason) => trace('app', `unhandled promise rejection: ${(reason as Error)?.stack ?? String(reason)}`));
}

/** Loads the app; a failure is traced here and returned for the worker's ready report. */
export async function prepareApp(settings: AppSettings, trace: TraceTo): Promise<Prepared> {
  const loaded = await loadApp(settings.app, settings.export);
  if ('failure' in loaded) {
    trace('isapi-node', loaded.failure.message);
    return loaded;
  }
  return {
    app: settings.validate ? validate(loaded.app) : loaded.app,
    // Each worker runs one app instance on one thread: never multithreaded, in the WSGI sense.
    options: { multithread: false, multiprocess: settings.workers > 1, maxRequestBodyBytes: settings.maxRequestBodyBytes },
  };
}
