// What iis-install asks of IIS through appcmd.exe: an application pool of its own, the application,
// and the DLL allowed in "ISAPI and CGI Restrictions". The plan is a pure function (the same input
// gives the same lines, so tests check them exactly), each step with its exact inverse for
// iis-uninstall. A line is printed exactly as it runs: the arguments are quoted here, for
// CreateProcess and cmd alike, and passed verbatim.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../cli/errors.js';
import { HANDLER_NAME } from './names.js';
import type { Bitness } from './pe.js';

/** How appcmd is named in printed lines (cmd expands %windir%). */
export const APPCMD_DISPLAY = '%windir%\\system32\\inetsrv\\appcmd.exe';

export const ISAPI_RESTRICTION_SECTION = 'system.webServer/security/isapiCgiRestriction';

export interface AppcmdStep {
  /** appcmd's arguments, unquoted. */
  args: string[];
  /** What undoes it, or null when a later step's inverse does (a setting of a pool that is deleted). */
  inverse: string[] | null;
}

export interface AppcmdPlanInput {
  site: string;
  /** "/" for the site root, else "/name[/name…]". */
  virtualDir: string;
  physicalPath: string;
  appPool: string;
  bitness: Bitness;
  /** The extension DLL's full path. */
  dll: string;
  /** For the site root: the pool its application had, which the uninstall gives back. */
  rootAppPool?: string;
}

/** The pool's name when none is given: one per application, named after the site and the folder. */
export function defaultAppPoolName(site: string, virtualDir: string): string {
  const where = virtualDir === '/' ? site : `${site} ${virtualDir.slice(1).replace(/\//g, ' ')}`;
  // IIS refuses / \ [ ] : | < > + = ; , ? * ' " and more in pool names; 64 characters at most.
  return `isapi-node ${where.replace(/[^A-Za-z0-9 ._-]/g, '_')}`.slice(0, 64).trimEnd();
}

/** appcmd's identifier of the application: "Site/" or "Site/dir". */
export const appIdentifier = (site: string, virtualDir: string) => `${site}${virtualDir}`;

/** Stands for the site root's pool where it cannot be read (off Windows): printed, never run. */
export const UNKNOWN_ROOT_POOL = '<the pool it had>';

/** The steps, in order; their inverses undo them in reverse order. */
export function appcmdPlan(input: AppcmdPlanInput): AppcmdStep[] {
  const { site, virtualDir, physicalPath, appPool, bitness, dll } = input;
  const app = appIdentifier(site, virtualDir);
  const steps: AppcmdStep[] = [
    { args: ['add', 'apppool', `/name:${appPool}`, '/managedRuntimeVersion:'], inverse: ['delete', 'apppool', appPool] },
    { args: ['set', 'apppool', appPool, `/enable32BitAppOnWin64:${bitness === 32}`], inverse: null },
  ];
  if (virtualDir === '/') {
    // The site root's application comes with the site: only its pool changes, and changes back.
    steps.push({ args: ['set', 'app', app, `/applicationPool:${appPool}`], inverse: ['set', 'app', app, `/applicationPool:${input.rootAppPool ?? UNKNOWN_ROOT_POOL}`] });
  } else {
    steps.push(
      { args: ['add', 'app', `/site.name:${site}`, `/path:${virtualDir}`, `/physicalPath:${physicalPath}`], inverse: ['delete', 'app', app] },
      { args: ['set', 'app', app, `/applicationPool:${appPool}`], inverse: null },
    );
  }
  steps.push({
    args: ['set', 'config', `/section:${ISAPI_RESTRICTION_SECTION}`, `/+[path='${dll}',allowed='True',description='${HANDLER_NAME}']`, '/commit:apphost'],
    inverse: ['set', 'config', `/section:${ISAPI_RESTRICTION_SECTION}`, `/-[path='${dll}']`, '/commit:apphost'],
  });
  return steps;
}

/** The inverses of `steps`, in the order that undoes them. */
export function inverseSteps(steps: readonly AppcmdStep[]): string[][] {
  return steps.flatMap((s) => (s.inverse ? [s.inverse] : [])).reverse();
}

/** One argument quoted as CreateProcess (the MSVC runtime) splits it back, and safe from cmd's & | < > ^ ( ). */
export function quoteValue(value: string): string {
  if (value !== '' && !/[\s"&|<>^()]/.test(value)) return value;
  // Backslashes are literal except before a quote: there they double, and one more escapes the quote.
  return `"${value.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

/**
 * An appcmd argument as printed and run: an option's value is quoted after its "/name:" (or a
 * collection edit's "/+" and "/-", always), the way appcmd's own documentation writes them.
 */
export function quoteArg(arg: string): string {
  const edit = /^\/[+-]/.exec(arg);
  if (edit) return `${edit[0]}"${arg.slice(2).replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
  const option = /^\/[A-Za-z0-9.]+:/.exec(arg);
  if (option) return option[0] + quoteValue(arg.slice(option[0].length));
  return quoteValue(arg);
}

/** The command line, as printed (and, after appcmd's full path, as run). */
export function commandLine(args: readonly string[]): string {
  return [APPCMD_DISPLAY, ...args.map(quoteArg)].join(' ');
}

/** Characters appcmd cannot take in these values whatever the quoting. */
export function checkAppcmdValue(what: string, value: string): string | undefined {
  if (/["%\r\n]/.test(value)) return `${what} ${JSON.stringify(value)} holds a character appcmd cannot take (" % or a line break)`;
  return undefined;
}

export interface AppcmdResult {
  status: number;
  output: string;
}

/** Runs appcmd: the real one on Windows; tests give their own. */
export interface Appcmd {
  run(args: readonly string[]): AppcmdResult;
}

/** appcmd.exe of this Windows: the 64-bit one also from a 32-bit node (Sysnative). */
export function appcmdPath(env: NodeJS.ProcessEnv = process.env): string {
  const windir = env.windir ?? env.SystemRoot ?? 'C:\\Windows';
  const native = join(windir, 'Sysnative', 'inetsrv', 'appcmd.exe');
  if (env.PROCESSOR_ARCHITEW6432 && existsSync(native)) return native;
  return join(windir, 'System32', 'inetsrv', 'appcmd.exe');
}

export const systemAppcmd: Appcmd = {
  run(args) {
    const r = spawnSync(appcmdPath(), args.map(quoteArg), { encoding: 'utf8', windowsVerbatimArguments: true, windowsHide: true });
    if (r.error) return { status: -1, output: `cannot run ${appcmdPath()}: ${r.error.message} (is IIS installed, and this shell an administrator's?)` };
    return { status: r.status ?? -1, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
  },
};

/** What has to be true of IIS before anything is changed, read with appcmd's list commands. */
export interface IisState {
  siteExists: boolean;
  poolExists: boolean;
  /** A non-root application at the virtual folder already. */
  appExists: boolean;
  /** The site root's application: its pool and physical path. */
  rootAppPool?: string;
  rootPhysicalPath?: string;
}

export function readIisState(appcmd: Appcmd, input: Pick<AppcmdPlanInput, 'site' | 'virtualDir' | 'appPool'>): IisState {
  // Found, not found ("Cannot find SITE object with identifier …"), or appcmd could not answer.
  const ask = (args: string[]) => {
    const r = appcmd.run(args);
    if (r.status === 0) return r.output;
    if (r.output === '' || /cannot find/i.test(r.output)) return undefined;
    throw new CliError(`${commandLine(args)} failed (exit code ${r.status}): ${r.output.split(/\r?\n/)[0]}: run iis-install in an administrator's shell on a machine with IIS`);
  };
  const found = (args: string[]) => ask(args) !== undefined;
  const value = (args: string[]) => ask(args)?.split(/\r?\n/)[0] || undefined;
  const state: IisState = {
    siteExists: found(['list', 'site', input.site]),
    poolExists: found(['list', 'apppool', input.appPool]),
    appExists: input.virtualDir !== '/' && found(['list', 'app', appIdentifier(input.site, input.virtualDir)]),
  };
  if (input.virtualDir === '/' && state.siteExists) {
    state.rootAppPool = value(['list', 'app', appIdentifier(input.site, '/'), '/text:applicationPool']);
    state.rootPhysicalPath = value(['list', 'vdir', `${input.site}/`, '/text:physicalPath']);
  }
  return state;
}
