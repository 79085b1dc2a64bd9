// The extension's frame codec (native/outofprocess/frame.cc) against the vectors the worker's codec
// is tested against too (test/worker/frames.test.ts): both sides read and write the same bytes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { builtFile, projectRoot } from '../support/build.js';

it('parses every shared vector to its fields and builds its exact bytes', () => {
  const file = join(projectRoot, 'test', 'vectors', 'frames.json');
  const count = (JSON.parse(readFileSync(file, 'utf8')) as unknown[]).length;
  const run = spawnSync(builtFile('frame_vectors'), [file], { encoding: 'utf8' });
  expect(run.stdout).toBe(`${count} vectors\n`);
  expect(run.status).toBe(0);
});
