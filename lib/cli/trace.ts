// `isapi-node trace`: follows the trace channel file, as `python -m win32traceutil` does for
// isapi-wsgi: prints what is there, then whatever is appended, until Ctrl+C.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CliError } from './errors.js';

export const traceUsage = `Usage: isapi-node trace [FILE | --config isapi_node.json] [--once]

Prints the isapi-node trace channel and follows it. FILE is the "trace" file of the configuration.

  --config FILE   read the trace file's name from this extension configuration
  --once          print what is there and exit`;

/** How often the file is checked for new records. */
const POLL_MS = 200;

export async function traceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, once: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(traceUsage);
    return 0;
  }
  let file = positionals[0];
  if (!file && values.config) {
    const config = JSON.parse(readFileSync(values.config, 'utf8')) as { trace?: string };
    if (!config.trace || config.trace === 'stderr') throw new CliError(`${values.config} sends the trace to stderr, not to a file`);
    file = resolve(values.config, '..', config.trace);
  }
  if (!file) throw new CliError('name the trace file, or --config with the extension configuration');
  if (!existsSync(file) && values.once) throw new CliError(`the trace file ${file} does not exist yet`);

  let offset = 0;
  const drain = () => {
    if (!existsSync(file)) return;
    const size = statSync(file).size;
    if (size < offset) offset = 0; // truncated or replaced: start over
    if (size === offset) return;
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - offset);
      const n = readSync(fd, buf, 0, buf.length, offset);
      offset += n;
      process.stdout.write(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  };
  drain();
  if (values.once) return 0;
  return await new Promise<number>((resolveExit) => {
    const timer = setInterval(drain, POLL_MS);
    process.on('SIGINT', () => {
      clearInterval(timer);
      resolveExit(0);
    });
  });
}
