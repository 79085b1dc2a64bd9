// The web.config checks: "handler" (system.webServer/handlers maps requests to isapi_node.dll
// beside the configuration through IsapiModule) and "limits" (IIS's own body limit,
// requestFiltering/requestLimits/@maxAllowedContentLength, lets through what the app's
// "maxRequestBodyBytes" allows: otherwise IIS answers 404.13 before the app sees the request).
// isapi-host needs no web.config: off Windows a missing one is skipped, not failed.
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { join, resolve } from 'node:path';
import { DEFAULT_MAX_REQUEST_BODY_BYTES, EXTENSION_DLL, HANDLER_NAME } from '../names.js';
import type { CheckResult, DoctorContext } from './types.js';
import { firstLine, windows } from './types.js';

type WebConfig = { doc: Document } | { error: string } | undefined;

function readWebConfig(ctx: DoctorContext): WebConfig {
  const text = ctx.webConfigText();
  if (text === undefined) return undefined;
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(text, 'text/xml');
    if (doc.documentElement?.nodeName !== 'configuration') return { error: `its root element is <${doc.documentElement?.nodeName}>, not <configuration>` };
    return { doc };
  } catch (error) {
    return { error: firstLine((error as Error).message) };
  }
}

/** Elements named `name` whose parent is named `parent`, in document order. */
function elements(doc: Document, name: string, parent: string): Element[] {
  return Array.from(doc.getElementsByTagName(name)).filter((e) => e.parentNode?.nodeName === parent);
}

const childElements = (e: Element) => Array.from(e.childNodes).filter((n): n is Element => n.nodeType === 1);

/** The handler named HANDLER_NAME after every add, remove and clear of the handlers sections. */
function findHandler(doc: Document): Element | undefined {
  let found: Element | undefined;
  for (const handlers of elements(doc, 'handlers', 'system.webServer')) {
    for (const e of childElements(handlers)) {
      if (e.nodeName === 'clear') found = undefined;
      else if (e.nodeName === 'remove' && e.getAttribute('name') === HANDLER_NAME) found = undefined;
      else if (e.nodeName === 'add' && e.getAttribute('name') === HANDLER_NAME) found = e;
    }
  }
  return found;
}

/** %NAME% references expanded as IIS expands them. */
function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/%([^%]+)%/g, (whole, name: string) => {
    const key = Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase());
    return key !== undefined ? (env[key] ?? whole) : whole;
  });
}

function samePath(ctx: DoctorContext, a: string, b: string): boolean {
  const norm = (p: string) => {
    const s = resolve(p).replace(/[\\/]+/g, '/');
    return windows(ctx) ? s.toLowerCase() : s;
  };
  return norm(a) === norm(b);
}

const INSTALL_FIX = 'run "isapi-node iis-install"';

export function checkHandler(ctx: DoctorContext): CheckResult {
  const check = 'handler';
  const webConfig = readWebConfig(ctx);
  const file = join(ctx.dir, 'web.config');
  if (webConfig === undefined) {
    if (!windows(ctx)) return { check, status: 'skip', line: 'no web.config beside the configuration (isapi-host needs none)' };
    return { check, status: 'warn', line: `no web.config in ${ctx.dir}: IIS has no handler mapping to ${EXTENSION_DLL} here`, fix: INSTALL_FIX };
  }
  if ('error' in webConfig) {
    return { check, status: 'fail', line: `${file} is not a well-formed IIS configuration: ${webConfig.error}`, fix: 'correct it: IIS answers 500.19 to every request while it is broken' };
  }
  const handler = findHandler(webConfig.doc);
  if (!handler) {
    return { check, status: 'fail', line: `${file} has no handler named "${HANDLER_NAME}" in system.webServer/handlers`, fix: `${INSTALL_FIX} to add it` };
  }
  const modules = handler.getAttribute('modules') ?? '';
  if (modules.toLowerCase() !== 'isapimodule') {
    return { check, status: 'fail', line: `the "${HANDLER_NAME}" handler in ${file} has modules="${modules}", not "IsapiModule"`, fix: `set modules="IsapiModule" (or ${INSTALL_FIX})` };
  }
  const dll = join(ctx.dir, EXTENSION_DLL);
  const scriptProcessor = (handler.getAttribute('scriptProcessor') ?? '').replace(/^"(.*)"$/, '$1');
  if (!scriptProcessor || !samePath(ctx, expandEnv(scriptProcessor, ctx.env), dll)) {
    return {
      check,
      status: 'fail',
      line: `the "${HANDLER_NAME}" handler in ${file} has scriptProcessor="${scriptProcessor}", not the ${EXTENSION_DLL} beside the configuration`,
      fix: `set scriptProcessor="${dll}" (or ${INSTALL_FIX})`,
    };
  }
  const path = handler.getAttribute('path') ?? '';
  const resourceType = handler.getAttribute('resourceType') ?? 'Unspecified';
  if (resourceType.toLowerCase() !== 'unspecified') {
    return {
      check,
      status: 'warn',
      line: `the "${HANDLER_NAME}" handler in ${file} has resourceType="${resourceType}": IIS answers 404 to URLs that are not files or folders on disk`,
      fix: 'set resourceType="Unspecified" so every URL reaches the app',
    };
  }
  return { check, status: 'ok', line: `${file} maps path "${path}" to ${EXTENSION_DLL} through IsapiModule` };
}

/** maxAllowedContentLength is a uint in IIS's schema. */
const IIS_MAX_CONTENT_LENGTH = 4_294_967_295;

export function checkLimits(ctx: DoctorContext): CheckResult {
  const check = 'limits';
  const webConfig = readWebConfig(ctx);
  const appLimit = ctx.config.maxRequestBodyBytes;
  if (webConfig === undefined && !windows(ctx)) return { check, status: 'skip', line: 'no web.config beside the configuration (isapi-host has no IIS body limit)' };
  if (webConfig !== undefined && 'error' in webConfig) return { check, status: 'skip', line: 'web.config must be well-formed first' };

  let iisLimit = DEFAULT_MAX_REQUEST_BODY_BYTES;
  let where = "IIS's default maxAllowedContentLength";
  const requestLimits = webConfig ? elements(webConfig.doc, 'requestLimits', 'requestFiltering').pop() : undefined;
  const attribute = requestLimits?.getAttribute('maxAllowedContentLength');
  if (attribute !== undefined && attribute !== null && attribute !== '') {
    if (!/^[0-9]+$/.test(attribute) || Number(attribute) > IIS_MAX_CONTENT_LENGTH) {
      return {
        check,
        status: 'fail',
        line: `maxAllowedContentLength="${attribute}" in web.config is not a whole number from 0 to ${IIS_MAX_CONTENT_LENGTH}`,
        fix: 'correct it: IIS answers 500.19 to every request while it is invalid',
      };
    }
    iisLimit = Number(attribute);
    where = 'maxAllowedContentLength in web.config';
  }
  const section = 'system.webServer/security/requestFiltering/requestLimits';
  if (appLimit === 0) {
    return {
      check,
      status: 'warn',
      line: `"maxRequestBodyBytes" is 0 (no limit), but IIS refuses bodies over ${iisLimit} bytes (${where}) with 404.13`,
      fix: `raise maxAllowedContentLength in web.config's ${section} if larger bodies should reach the app`,
    };
  }
  if (iisLimit < appLimit) {
    const fix =
      appLimit > IIS_MAX_CONTENT_LENGTH
        ? `lower "maxRequestBodyBytes" to at most ${IIS_MAX_CONTENT_LENGTH}, IIS's largest, and set maxAllowedContentLength to it in web.config's ${section}`
        : `set maxAllowedContentLength="${appLimit}" in web.config's ${section}, or lower "maxRequestBodyBytes" to ${iisLimit}`;
    return {
      check,
      status: 'fail',
      line: `IIS refuses bodies over ${iisLimit} bytes (${where}) with 404.13 before the app's limit of ${appLimit} ("maxRequestBodyBytes") is reached`,
      fix,
    };
  }
  return { check, status: 'ok', line: `IIS lets bodies up to ${iisLimit} bytes through (${where}), the app takes up to ${appLimit} ("maxRequestBodyBytes")` };
}
