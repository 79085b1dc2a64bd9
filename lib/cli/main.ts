#!/usr/bin/env node
// The isapi-node command line: one subcommand per job.
import { buildCommand, buildUsage } from './build.js';
import { doctorCommand, doctorUsage } from './doctor.js';
import { CliError } from './errors.js';
import { hostCommand, hostUsage } from './host.js';
import { iisInstallCommand, iisInstallUsage } from './iis-install.js';
import { iisUninstallCommand, iisUninstallUsage } from './iis-uninstall.js';
import { libnodeCommand, libnodeUsage } from './libnode.js';
import { serveCommand, serveUsage } from './serve.js';
import { traceCommand, traceUsage } from './trace.js';
import { versionReport } from './version.js';

const usage = `Usage: isapi-node <command> [options]

Commands:
  host            serve an app through isapi-host and the isapi_node extension (the real path)
  serve           serve an app on Node's own http server (development, any OS)
  trace           follow the trace channel
  build           build the native pieces from source (installing never compiles)
  iis-install     put an app under IIS: the DLL, its configuration, web.config, pool and application
  iis-uninstall   undo what iis-install recorded, byte for byte
  doctor          check an installation's configuration, app, Node or libnode, DLLs and web.config
  libnode         "libnode install": fetch, check and place libnode.dll for the in-process model on Windows

"isapi-node --version" names the package's version and the native binaries in use.
Run "isapi-node <command> --help" for a command's options.

${hostUsage}

${serveUsage}

${traceUsage}

${buildUsage}

${doctorUsage}

${libnodeUsage}

${iisInstallUsage}

${iisUninstallUsage}`;

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  host: hostCommand,
  serve: serveCommand,
  trace: traceCommand,
  build: buildCommand,
  'iis-install': iisInstallCommand,
  'iis-uninstall': iisUninstallCommand,
  doctor: doctorCommand,
  libnode: libnodeCommand,
};

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    console.log(versionReport());
    return 0;
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
