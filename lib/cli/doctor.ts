// `isapi-node doctor`: checks an installation's configuration, app, Node or libnode, DLLs, trace
// file and web.config, one line each; every failing line names its fix (lib/iis/doctor/).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_FILE } from '../iis/names.js';
import { formatResult, runDoctor, summarize } from '../iis/doctor/index.js';
import { CliError } from './errors.js';

export const doctorUsage = `Usage: isapi-node doctor [--config FILE] [--bitness 32|64] [--pool NAME]

Checks an isapi-node installation and says what is wrong, one line per check ("ok", "warn",
"FAIL", "skip"); a failing line ends with "-- fix:" and what to do. Exit code 0 when no check
failed, 1 when one did.

  --config FILE     the extension's configuration (default: the file ISAPI_NODE_CONFIG names,
                    else ${CONFIG_FILE} in the current folder); on IIS, isapi_node.dll, libnode.dll
                    and web.config are looked for beside it
  --bitness 32|64   the application pool's bitness, to compare isapi_node.dll with
  --pool NAME       the application pool's name, for the commands the lines suggest`;

export async function doctorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      bitness: { type: 'string' },
      pool: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(doctorUsage);
    return 0;
  }
  if (values.bitness !== undefined && values.bitness !== '32' && values.bitness !== '64') {
    throw new CliError(`--bitness must be 32 or 64 (the application pool's), got "${values.bitness}"`);
  }
  const configFile = resolve(values.config ?? (process.env.ISAPI_NODE_CONFIG || CONFIG_FILE));
  console.log(`isapi-node doctor: ${configFile}`);
  const results = await runDoctor({
    configFile,
    bitness: values.bitness === undefined ? undefined : (Number(values.bitness) as 32 | 64),
    pool: values.pool,
  });
  for (const result of results) console.log(formatResult(result));
  console.log(summarize(results));
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}
