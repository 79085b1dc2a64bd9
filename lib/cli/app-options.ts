// The options `host` and `serve` share, and their checks: one place, so both commands take an app
// the same way.
import { resolve } from 'node:path';
import { CliError } from './errors.js';

export const appOptions = {
  app: { type: 'string' },
  export: { type: 'string', default: '' },
  port: { type: 'string', default: '8080' },
  listen: { type: 'string', default: '127.0.0.1' },
  'virtual-dir': { type: 'string', default: '/' },
  validate: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The app module's absolute path; --app is required. */
export function appModule(value: string | undefined): string {
  if (!value) throw new CliError('--app is required: the module whose app to serve');
  return resolve(value);
}

export function portNumber(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('--port must be a whole number from 0 to 65535');
  return port;
}
