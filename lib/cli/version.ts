// `isapi-node --version` (and `host --version`): the package's version and the native binaries
// the CLI would run, so a user can tell a prebuilt binary from a local build.
import { findBinaries, packageVersion } from './binaries.js';

export function versionReport(): string {
  const lines = [`isapi-node ${packageVersion()} (Node ${process.versions.node} running the CLI)`];
  try {
    const binaries = findBinaries();
    lines.push(`native binaries: ${binaries.kind === 'prebuilt' ? 'prebuilt' : 'built here'}, ${binaries.dir}`);
    // A Windows prebuild has no in-process runtime (that one is an MSVC build), so no libnode to name.
    if (binaries.manifest?.libnode) {
      lines.push(`in-process runtime: needs ${binaries.manifest.libnode} (Node ${binaries.manifest.nodeMajor})`);
    }
    lines.push('out-of-process workers: your own node, 18 or later ("nodePath")');
  } catch (error) {
    lines.push(`native binaries: none usable: ${(error as Error).message}`);
  }
  return lines.join('\n');
}
