// Where the package's built pieces are, seen from the compiled CLI (dist/cli/).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from './errors.js';

export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A native build output; ISAPI_BUILD=Sanitize selects the sanitizer build. */
export function nativeFile(name: string): string {
  const file = join(packageRoot, 'build', process.env.ISAPI_BUILD ?? 'Release', name);
  if (!existsSync(file)) throw new CliError(`${file} is missing: build the package first (npm run build)`);
  return file;
}
