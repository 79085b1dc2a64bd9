// What every doctor check takes and gives: a context (the configuration read once, where things
// are) and one result line.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Bitness } from '../pe.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** The check's short name, printed before the line ("config", "app", "libnode" …). */
  check: string;
  status: CheckStatus;
  /** What was found, one line. */
  line: string;
  /** For a failure or warning: what to do about it, one line. */
  fix?: string;
}

/** The configuration as the extension would use it: defaults filled in, paths resolved. */
export interface ResolvedConfig {
  app: string;
  export: string;
  hostingModel: 'inprocess' | 'outofprocess';
  /** "stderr" or an absolute file. */
  trace: string;
  /** A bare name (looked up in PATH) or an absolute file. */
  nodePath: string;
  /** Where dist/ is: "packageRoot" in the configuration, else this package's root. */
  packageRoot: string;
  packageRootNamed: boolean;
  /** An explicit libnode (the "libnode" key, or ISAPI_NODE_LIBNODE, which wins), and who named it. */
  libnode?: string;
  libnodeNamedBy?: string;
  startTimeoutMs: number;
  maxRequestBodyBytes: number;
}

export interface DoctorOptions {
  /** The configuration file (absolute). */
  configFile: string;
  /** Whose rules apply: "win32" for IIS; anything else for isapi-host. Default: this machine's. */
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  /** The application pool's bitness (--bitness), to compare isapi_node.dll with. */
  bitness?: Bitness;
  /** The application pool's name (--pool), for the commands the lines print. */
  pool?: string;
  /** This package's root (dist/runtime/load-app.js, the default packageRoot, the binaries). */
  packageRoot?: string;
  /** The Node that loads the app for the app check (default: the one running the doctor). */
  nodeExecutable?: string;
}

export interface DoctorContext {
  configFile: string;
  /** The configuration's folder: on IIS, the extension's folder too. */
  dir: string;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  bitness?: Bitness;
  pool?: string;
  ownRoot: string;
  nodeExecutable: string;
  config: ResolvedConfig;
  /** web.config beside the configuration: its text, or undefined when there is none (read once). */
  webConfigText(): string | undefined;
}

export type Check = (ctx: DoctorContext) => CheckResult | null | Promise<CheckResult | null>;

export const windows = (ctx: { platform: NodeJS.Platform }) => ctx.platform === 'win32';

/** The pool identity's name as icacls takes it. */
export const poolIdentity = (ctx: DoctorContext) => `IIS AppPool\\${ctx.pool ?? '<pool name>'}`;

export function makeContext(options: DoctorOptions, config: ResolvedConfig, ownRoot: string): DoctorContext {
  const dir = dirname(options.configFile);
  let webConfig: { text: string | undefined } | undefined;
  return {
    configFile: options.configFile,
    dir,
    platform: options.platform ?? process.platform,
    env: options.env ?? process.env,
    bitness: options.bitness,
    pool: options.pool,
    ownRoot,
    nodeExecutable: options.nodeExecutable ?? process.execPath,
    config,
    webConfigText() {
      if (!webConfig) {
        const file = join(dir, 'web.config');
        webConfig = { text: existsSync(file) ? readFileSync(file, 'utf8') : undefined };
      }
      return webConfig.text;
    },
  };
}

/** The first line of a message (an error's stack or a loader's output), trimmed. */
export function firstLine(text: string): string {
  return (text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').trim();
}

