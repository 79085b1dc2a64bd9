// Check "bitness": isapi_node.dll beside the configuration is a Windows DLL of the bitness of the
// application pool that loads it. A 64-bit pool loads only x64 DLLs, a 32-bit one
// (enable32BitAppOnWin64) only x86 ones, and IIS reports a mismatch only as a module that failed
// to load (HTTP 500.0, "%1 is not a valid Win32 application").
import { EXTENSION_DLL } from '../names.js';
import { describeImage, extensionImage } from './inprocess.js';
import type { CheckResult, DoctorContext } from './types.js';
import { windows } from './types.js';

export function checkBitness(ctx: DoctorContext): CheckResult {
  const check = 'bitness';
  const image = extensionImage(ctx);
  const pool = `"${ctx.pool ?? '<pool name>'}"`;
  if (image === undefined) {
    if (!windows(ctx)) return { check, status: 'skip', line: `no ${EXTENSION_DLL} beside the configuration (not an IIS folder)` };
    return {
      check,
      status: 'warn',
      line: `no ${EXTENSION_DLL} in ${ctx.dir}: IIS reads the configuration beside the DLL it loads`,
      fix: `run "isapi-node iis-install", or copy ${EXTENSION_DLL} (x64 for a 64-bit pool, x86 for a 32-bit one) here`,
    };
  }
  if (image instanceof Error) {
    return { check, status: 'fail', line: image.message, fix: `replace it with the package's ${EXTENSION_DLL} (run "isapi-node iis-install")` };
  }
  if (image.machine === 'arm64') {
    return { check, status: 'fail', line: `${EXTENSION_DLL} is ${describeImage(image)}: IIS pools load x64 or x86 DLLs`, fix: `use the package's x64 ${EXTENSION_DLL}` };
  }
  if (ctx.bitness === undefined) {
    const needs = image.bitness === 64 ? 'a 64-bit pool (enable32BitAppOnWin64 false)' : 'a 32-bit pool (enable32BitAppOnWin64 true)';
    return { check, status: 'ok', line: `${EXTENSION_DLL} is ${describeImage(image)}: it needs ${needs}; pass --bitness 32|64 to compare with the pool's` };
  }
  if (image.bitness === ctx.bitness) return { check, status: 'ok', line: `${EXTENSION_DLL} is ${describeImage(image)}, as the ${ctx.bitness}-bit application pool` };
  const to32 = ctx.bitness === 64; // a 32-bit DLL in a 64-bit pool: make the pool 32-bit
  return {
    check,
    status: 'fail',
    line: `${EXTENSION_DLL} is ${describeImage(image)}, but the application pool is ${ctx.bitness}-bit: IIS cannot load it`,
    fix:
      `set enable32BitAppOnWin64 to ${to32} on the pool (%windir%\\system32\\inetsrv\\appcmd set apppool ${pool} /enable32BitAppOnWin64:${to32}), ` +
      `or use the ${to32 ? 'x64' : 'x86'} ${EXTENSION_DLL} (isapi-node iis-install picks the pool's)`,
  };
}
