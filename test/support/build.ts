import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Native binaries come from build/Release, or build/Sanitize when ISAPI_BUILD=Sanitize. */
export const buildConfig = process.env.ISAPI_BUILD ?? 'Release';
export const buildDir = join(projectRoot, 'build', buildConfig);

export function builtFile(name: string): string {
  const file = join(buildDir, name);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run \`npm run build\` (or scripts/sanitize.sh for the Sanitize build)`);
  }
  return file;
}

export const hostBinary = () => builtFile('isapi-host');
export const referenceExtension = () => builtFile('hello_ext.so');
