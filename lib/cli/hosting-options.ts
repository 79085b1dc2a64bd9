// Where the app runs, as `isapi-node host` (and `npm run wine-host`) options: the configuration's
// hostingModel, processes, nodePath and devErrors keys (README "Hosting models"). The extension
// checks ranges when it reads the configuration; here the form, so a typo fails before anything starts.
import { resolve } from 'node:path';
import { CliError } from './errors.js';

export const HOSTING_MODELS = ['inprocess', 'outofprocess'] as const;
export type HostingModel = (typeof HOSTING_MODELS)[number];

export const hostingParseOptions = {
  'hosting-model': { type: 'string', default: 'inprocess' },
  processes: { type: 'string' },
  'node-path': { type: 'string' },
  'dev-errors': { type: 'boolean', default: false },
} as const;

export const hostingUsage = `  --hosting-model M     inprocess (Node embedded in the server process, the default) or outofprocess
                        (worker processes of your own node)
  --processes N         out-of-process worker processes (default 1)
  --node-path PATH      the node executable of out-of-process workers (default: node from PATH)
  --dev-errors          startup failure pages show the error's message and stack (never in production)`;

export interface HostingConfig {
  hostingModel: HostingModel;
  processes?: number;
  nodePath?: string;
  devErrors?: boolean;
}

/** The configuration keys for the hosting options given on the command line. */
export function hostingConfig(values: Record<string, unknown>): HostingConfig {
  const model = values['hosting-model'] ?? 'inprocess';
  if (!HOSTING_MODELS.includes(model as HostingModel)) {
    throw new CliError(`--hosting-model must be inprocess or outofprocess, got ${JSON.stringify(model)}`);
  }
  const config: HostingConfig = { hostingModel: model as HostingModel };
  const processes = values.processes;
  if (processes !== undefined) {
    const n = Number(processes);
    if (typeof processes !== 'string' || !/^\d+$/.test(processes) || n < 1 || n > 64) throw new CliError('--processes must be a whole number from 1 to 64');
    if (model !== 'outofprocess') throw new CliError('--processes applies to --hosting-model outofprocess (in process, use --workers)');
    config.processes = n;
  }
  const nodePath = values['node-path'];
  if (typeof nodePath === 'string') {
    if (model !== 'outofprocess') throw new CliError('--node-path applies to --hosting-model outofprocess (in process, Node is the embedded libnode)');
    // A bare name is looked up in PATH by the extension; anything with a folder is made absolute here.
    config.nodePath = /[/\\]/.test(nodePath) ? resolve(nodePath) : nodePath;
  }
  if (values['dev-errors'] === true) config.devErrors = true;
  return config;
}
