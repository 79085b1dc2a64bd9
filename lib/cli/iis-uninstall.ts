// `isapi-node iis-uninstall`: undoes what the install record in a physical path says
// (lib/iis/install-uninstall.ts).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { applyUninstall, planUninstall } from '../iis/install-uninstall.js';
import { defaultIisContext, type IisCommandContext } from './iis-install.js';

export const iisUninstallUsage = `Usage: isapi-node iis-uninstall [--physical-path DIR] [--dry-run] [--force]

Undoes the iis-install recorded in DIR (isapi-node-install.json): the inverse appcmd lines in
reverse order (printed off Windows), web.config given back byte for byte (or deleted if the install
created it), the files it created deleted, then the record. Refuses, changing nothing, where those
files were changed since the install.

  --physical-path DIR   the folder iis-install used (default: the current folder)
  --dry-run             change nothing: print the file changes and the appcmd lines
  --force               give web.config back, and delete the created files, even if changed by hand`;

export async function runIisUninstall(argv: string[], context: IisCommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'physical-path': { type: 'string', default: '.' },
      'dry-run': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    context.log(iisUninstallUsage);
    return 0;
  }
  const plan = planUninstall({ physicalPath: resolve(values['physical-path']), force: values.force });
  applyUninstall(plan, { ...context, dryRun: values['dry-run'] });
  return 0;
}

export const iisUninstallCommand = (argv: string[]) => runIisUninstall(argv, defaultIisContext());
