#!/usr/bin/env node
// The isapi-node command line: one subcommand per job.
import { CliError } from './errors.js';
import { hostCommand, hostUsage } from './host.js';
import { serveCommand, serveUsage } from './serve.js';
import { traceCommand, traceUsage } from './trace.js';

const usage = `Usage: isapi-node <command> [options]

Commands:
  host    serve an app through isapi-host and the isapi_node extension (the real path)
  serve   serve an app on Node's own http server (development, any OS)
  trace   follow the trace channel

Run "isapi-node <command> --help" for a command's options.

${hostUsage}

${serveUsage}

${traceUsage}`;

const commands: Record<string, (argv: string[]) => Promise<number>> = { host: hostCommand, serve: serveCommand, trace: traceCommand };

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) throw new CliError(`unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})`);
  return command(rest);
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Argument errors from parseArgs carry a code; both kinds are the user's to fix.
    const e = err as Error & { code?: string };
    if (err instanceof CliError || e.code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`isapi-node: ${e.message}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
