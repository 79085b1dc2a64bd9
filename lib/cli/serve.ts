// `isapi-node serve`: the same app on Node's own http server, for development on any OS without
// IIS (what wsgiref.simple_server is to WSGI). Loads the module the way the extension does.
import { parseArgs } from 'node:util';
import { loadApp } from '../runtime/load-app.js';
import { serve } from '../serve/index.js';
import { appModule, appOptions, portNumber } from './app-options.js';
import { CliError } from './errors.js';

export const serveUsage = `Usage: isapi-node serve --app MODULE [options]

Serves MODULE's app on Node's http server (no IIS, no native code), as it would run under IIS.

  --app MODULE          the app module (.js/.mjs/.cjs; compile TypeScript first)
  --export NAME         the export to serve (default: the default export)
  --port P              port to listen on (default 8080; 0 picks a free one)
  --listen ADDR         address to listen on (default 127.0.0.1; --host is the same)
  --virtual-dir /PATH   serve the app under a virtual directory, as IIS would (default /;
                        --script-name is the same)
  --validate            run the app inside validate(app): interface breaches fail the request and are traced`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...appOptions,
      // The names `serve` had before it shared `host`'s.
      host: { type: 'string' },
      'script-name': { type: 'string' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(serveUsage);
    return 0;
  }
  const port = portNumber(values.port);
  if (values.host !== undefined && argv.some((arg) => arg === '--listen' || arg.startsWith('--listen='))) {
    throw new CliError('--host is another name for --listen: give one of them');
  }
  if (values['script-name'] !== undefined && argv.some((arg) => arg === '--virtual-dir' || arg.startsWith('--virtual-dir='))) {
    throw new CliError('--script-name is another name for --virtual-dir: give one of them');
  }
  const loaded = await loadApp(appModule(values.app), values.export);
  if ('failure' in loaded) throw new CliError(loaded.failure.message);
  const server = await serve(loaded.app, {
    port,
    host: values.host ?? values.listen,
    scriptName: values['script-name'] ?? values['virtual-dir'],
    validate: values.validate,
  });
  console.log(`isapi-node: serving ${values.app} on ${server.url}/ (Ctrl+C stops)`);
  return await new Promise<number>((resolveExit) => {
    const stop = () => void server.close().then(() => resolveExit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
