// Loads the user's app module (CommonJS or ESM, e.g. compiled from TypeScript) and picks the
// export to serve, with a startup-failure kind and a message that names the cause and the fix.
import { pathToFileURL } from 'node:url';
import { describeValue } from '../core/errors.js';
import type { App } from '../types.js';
import type { StartFailureReport } from './bridge.js';

export type Loaded = { app: App } | { failure: StartFailureReport };

/** `exportName` "" picks the default export (module.exports for CommonJS). */
export async function loadApp(modulePath: string, exportName: string): Promise<Loaded> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missingItself = e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(modulePath);
    return {
      failure: {
        kind: missingItself ? 'app_not_found' : 'app_failed',
        message: missingItself
          ? `the app module ${modulePath} was not found (check "app" in the configuration)`
          : `loading the app module ${modulePath} threw: ${e?.stack ?? String(err)}`,
      },
    };
  }
  const name = exportName || 'default';
  let candidate = mod[name];
  // TypeScript compiled to CommonJS puts `export default` on module.exports.default.
  if (name === 'default' && candidate && typeof candidate === 'object' && typeof (candidate as { default?: unknown }).default === 'function') {
    candidate = (candidate as { default: unknown }).default;
  }
  if (candidate === undefined) {
    const names = Object.keys(mod).filter((k) => k !== 'module.exports');
    return {
      failure: {
        kind: 'app_failed',
        message: `the app module ${modulePath} has no export "${name}" (it exports: ${names.join(', ') || 'nothing'}); set "export" in the configuration`,
      },
    };
  }
  if (typeof candidate !== 'function') {
    return {
      failure: {
        kind: 'app_failed',
        message: `export "${name}" of ${modulePath} is ${describeValue(candidate)}, not an app function (environ, startResponse) => body`,
      },
    };
  }
  return { app: candidate as App };
}
