// `isapi-node libnode install`: libnode.dll for the in-process hosting model on Windows, from
// NuGet's Microsoft.JavaScript.LibNode.win-<arch> package, checked, beside isapi_node.dll
// (lib/iis/libnode/).
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildFromSourceHint, DownloadError, InstallError, installLibnode, normalizeSha512, PackageError } from '../iis/libnode/install.js';
import { libnodeEntryPath, MAX_ENTRY_BYTES } from '../iis/libnode/package.js';
import { CliError } from './errors.js';

export const libnodeUsage = `Usage: isapi-node libnode install [--arch x64|x86] [--dest DIR | --config FILE]
                                  [--version V] [--from FILE.nupkg] [--sha512 HASH] [--force]

Puts Node's shared library libnode.dll beside isapi_node.dll for the in-process hosting model on
Windows. It comes from the NuGet package Microsoft.JavaScript.LibNode.win-<arch>, downloaded from
nuget.org (or the .nupkg --from names) and checked first: a zip with a .nuspec naming that
package, exactly one ${libnodeEntryPath('x64').replace('x64', '<arch>')} built for that machine, no entry over
${MAX_ENTRY_BYTES / 1024 / 1024} MB or with a path leaving the package, and the SHA-512 nuget.org's catalog records
(or --sha512). libnode.dll is written to a temporary file and renamed into place.

  --arch x64|x86    the application pool's architecture (default: that of isapi_node.dll in the
                    destination, else x64)
  --dest DIR        the folder of isapi_node.dll (default: the folder of --config's file, else the
                    current folder)
  --config FILE     the extension's configuration, whose folder is the destination
  --version V       the package version (default: the latest stable one)
  --from FILE       a .nupkg on disk instead of downloading one
  --sha512 HASH     the package's expected SHA-512 (base64 as nuget.org shows it, or hex)
  --force           replace a libnode.dll of the other architecture`;

export async function libnodeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      arch: { type: 'string' },
      dest: { type: 'string' },
      config: { type: 'string' },
      version: { type: 'string' },
      from: { type: 'string' },
      sha512: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(libnodeUsage);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'install') {
    throw new CliError(`libnode takes one action, "install" (isapi-node libnode install --help)${positionals.length ? `, got "${positionals.join(' ')}"` : ''}`);
  }
  if (values.arch !== undefined && values.arch !== 'x64' && values.arch !== 'x86') {
    throw new CliError(`--arch must be x64 or x86 (the application pool's), got "${values.arch}"`);
  }
  if (values.dest && values.config) throw new CliError('pass --dest or --config, not both');
  if (values.sha512 !== undefined && !normalizeSha512(values.sha512)) {
    throw new CliError('--sha512 must be a SHA-512 in base64 (88 characters, as nuget.org shows it) or hex (128 digits)');
  }
  const dest = resolve(values.dest ?? (values.config ? dirname(resolve(values.config)) : '.'));

  try {
    const installed = await installLibnode({
      arch: values.arch as 'x64' | 'x86' | undefined,
      dest,
      version: values.version,
      from: values.from === undefined ? undefined : resolve(values.from),
      sha512: values.sha512,
      force: values.force,
      log: (line) => console.log(line),
    });
    console.log(`installed ${installed.file} (${installed.arch}, ${installed.size} bytes) from ${installed.id} ${installed.version}`);
    if (installed.replaced) console.log(`it replaces ${installed.replaced}`);
    console.log(`package SHA-512 (base64): ${installed.sha512}: ${installed.verified}`);
    console.log("the in-process runtime checks Node's version in it when it loads it (isapi-node doctor checks the rest)");
    console.log(buildFromSourceHint(installed.arch));
    return 0;
  } catch (error) {
    if (error instanceof InstallError || error instanceof PackageError || error instanceof DownloadError) {
      console.error(`isapi-node: libnode install refused: ${error.message}; nothing was written`);
      return 1;
    }
    throw error;
  }
}
