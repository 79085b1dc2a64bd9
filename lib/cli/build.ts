// `isapi-node build`: builds the native pieces from source, for a platform the package has no
// prebuilt binaries for, or a libnode of another version. Installing the package never compiles:
// this is the one command that does, and it first says everything that is missing and how to get it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from './binaries.js';
import { CliError } from './errors.js';

export const buildUsage = `Usage: isapi-node build [--check]

Builds the extension, the in-process runtime and the test host from source into build/Release
(node-gyp). Needs a C++17 compiler, make, Python 3, Boost, nlohmann-json, libuv's headers and
libnode's headers; says what is missing and how to get it first.

  --check   only report what is missing`;

interface Requirement {
  what: string;
  present(): boolean;
  fix: string;
}

const onPath = (command: string) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
const header = (path: string) => () => existsSync(path);
const resolvable = (name: string) => () => {
  try {
    require.resolve(`${name}/package.json`, { paths: [packageRoot] });
    return true;
  } catch {
    return false;
  }
};

function requirements(): Requirement[] {
  if (process.platform !== 'linux') {
    throw new CliError(`building from source is set up for Linux only so far; on ${process.platform} use the prebuilt binaries`);
  }
  const apt = (pkg: string) => `apt-get install ${pkg}`;
  return [
    { what: 'a C++17 compiler (g++)', present: () => onPath('g++'), fix: apt('g++') },
    { what: 'make', present: () => onPath('make'), fix: apt('make') },
    { what: 'Python 3 (node-gyp runs it)', present: () => onPath('python3'), fix: apt('python3') },
    { what: "Boost's headers (Beast, Asio)", present: header('/usr/include/boost/beast.hpp'), fix: apt('libboost-dev') },
    { what: 'CLI11 (the host\'s command line)', present: header('/usr/include/CLI/CLI.hpp'), fix: apt('libcli11-dev') },
    { what: 'nlohmann-json', present: header('/usr/include/nlohmann/json.hpp'), fix: apt('nlohmann-json3-dev') },
    { what: "libuv's headers", present: header('/usr/include/uv.h'), fix: apt('libuv1-dev') },
    {
      what: "libnode's headers and library (deps/libnode)",
      present: header(join(packageRoot, 'deps/libnode/usr/include/node/node.h')),
      fix: `bash ${join(packageRoot, 'scripts/setup-libnode.sh')} (unpacks Debian's libnode108 and libnode-dev)`,
    },
    { what: 'node-gyp', present: resolvable('node-gyp'), fix: 'npm install --save-dev node-gyp' },
    { what: 'node-addon-api', present: resolvable('node-addon-api'), fix: 'npm install --save-dev node-addon-api' },
  ];
}

export async function buildCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { check: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, strict: true });
  if (values.help) {
    console.log(buildUsage);
    return 0;
  }
  const missing = requirements().filter((r) => !r.present());
  for (const r of missing) console.error(`isapi-node build: missing ${r.what}: ${r.fix}`);
  if (missing.length) throw new CliError(`cannot build: ${missing.length} requirement(s) missing (above)`);
  if (values.check) {
    console.log('isapi-node build: everything the build needs is present');
    return 0;
  }
  const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [packageRoot] });
  const built = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: packageRoot, stdio: 'inherit' });
  if (built.status !== 0) throw new CliError('node-gyp rebuild failed (its output is above)');
  console.log(`isapi-node build: built into ${join(packageRoot, 'build', 'Release')}`);
  return 0;
}
