// The one resolver of native binaries: a build in the checkout first, else the package's prebuilt
// ones for this platform, refused clearly when they are for another platform, architecture,
// package version or libnode.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkLibnodeOverride, findBinaries, type PrebuildManifest } from '../../lib/cli/binaries.js';

let root: string;
let savedBuild: string | undefined;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'isapi-binaries-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'isapi-node', version: '1.2.3' }));
  savedBuild = process.env.ISAPI_BUILD;
  delete process.env.ISAPI_BUILD;
});
afterEach(() => {
  if (savedBuild === undefined) delete process.env.ISAPI_BUILD;
  else process.env.ISAPI_BUILD = savedBuild;
});

function prebuild(tag: string, manifest: Partial<PrebuildManifest> = {}): string {
  const dir = join(root, 'prebuilds', tag);
  mkdirSync(dir, { recursive: true });
  const [platform, arch] = tag.split('-');
  const full: PrebuildManifest = {
    package: 'isapi-node', version: '1.2.3', platform, arch, libnode: 'libnode.so.108', nodeMajor: 18,
    files: ['isapi_node.so', 'isapi_node_inproc.so', 'isapi-host'], ...manifest,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(full));
  for (const f of full.files) writeFileSync(join(dir, f), '');
  return dir;
}

describe('findBinaries', () => {
  it('prefers a build in the checkout', () => {
    mkdirSync(join(root, 'build', 'Release'), { recursive: true });
    writeFileSync(join(root, 'build', 'Release', 'isapi_node.so'), '');
    prebuild('linux-x64');
    const found = findBinaries(root, 'linux', 'x64');
    expect(found.kind).toBe('build');
    expect(found.file('extension')).toBe(join(root, 'build', 'Release', 'isapi_node.so'));
  });

  it('takes the prebuilt binaries for this platform, with their manifest', () => {
    const dir = prebuild('linux-x64');
    const found = findBinaries(root, 'linux', 'x64');
    expect(found.kind).toBe('prebuilt');
    expect(found.file('host')).toBe(join(dir, 'isapi-host'));
    expect(found.manifest?.libnode).toBe('libnode.so.108');
  });

  it('names Windows files on Windows', () => {
    const dir = prebuild('win32-x64', { files: ['isapi_node.dll', 'isapi_node_inproc.dll', 'isapi-host.exe'] });
    expect(findBinaries(root, 'win32', 'x64').file('extension')).toBe(join(dir, 'isapi_node.dll'));
  });

  it('says which platforms it has when this one is missing, and how to build', () => {
    prebuild('linux-x64');
    expect(() => findBinaries(root, 'win32', 'ia32')).toThrow(
      'no native binaries for win32-ia32: the package has prebuilt ones for linux-x64, and there is no build. Build them from source with `npx isapi-node build`.',
    );
  });

  it('refuses binaries whose manifest names another platform or architecture', () => {
    prebuild('linux-x64', { arch: 'ia32' });
    expect(() => findBinaries(root, 'linux', 'x64')).toThrow(/were built for linux-ia32, not linux-x64: reinstall the package/);
  });

  it('refuses binaries of another version of the package', () => {
    prebuild('linux-x64', { version: '1.0.0' });
    expect(() => findBinaries(root, 'linux', 'x64')).toThrow(/belong to isapi-node 1\.0\.0, the package is 1\.2\.3/);
  });

  it('names a missing file', () => {
    const dir = prebuild('linux-x64', { files: ['isapi_node.so'] });
    expect(() => findBinaries(root, 'linux', 'x64').file('host')).toThrow(`${join(dir, 'isapi-host')} is missing from the prebuilt binaries: reinstall the package`);
  });

  it('uses the build ISAPI_BUILD names, and says when it does not exist', () => {
    process.env.ISAPI_BUILD = 'Sanitize';
    expect(() => findBinaries(root, 'linux', 'x64')).toThrow(/ISAPI_BUILD=Sanitize, but .*build\/Sanitize does not exist/);
  });
});

describe('checkLibnodeOverride', () => {
  it('refuses a libnode of another major version than the prebuilt runtime needs', () => {
    prebuild('linux-x64');
    const other = join(root, 'libnode.so.115');
    writeFileSync(other, '');
    expect(() => checkLibnodeOverride(findBinaries(root, 'linux', 'x64'), other)).toThrow(
      'ISAPI_NODE_LIBNODE names libnode.so.115, but the prebuilt in-process runtime needs libnode.so.108 (Node 18)',
    );
  });

  it('accepts the right one, and says when the file does not exist', () => {
    prebuild('linux-x64');
    const right = join(root, 'libnode.so.108');
    writeFileSync(right, '');
    const found = findBinaries(root, 'linux', 'x64');
    expect(() => checkLibnodeOverride(found, right)).not.toThrow();
    expect(() => checkLibnodeOverride(found, join(root, 'nope.so'))).toThrow(/names .*nope\.so, which does not exist/);
  });
});
