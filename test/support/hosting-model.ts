// The hosting model the real-path suites run in: vitest.config.ts runs test/inprocess, test/examples
// and test/cli twice, once per model, with ISAPI_NODE_TEST_HOSTING_MODEL naming it. Out of process,
// the workers run this machine's own Node (the one running the tests), not the embedded libnode.

export type HostingModel = 'inprocess' | 'outofprocess';

export const HOSTING_MODEL: HostingModel = process.env.ISAPI_NODE_TEST_HOSTING_MODEL === 'outofprocess' ? 'outofprocess' : 'inprocess';

export const outOfProcess = HOSTING_MODEL === 'outofprocess';

/** The configuration keys that run `workers` JavaScript workers in the suite's model. */
export function hostingKeys(workers: number): Record<string, unknown> {
  return outOfProcess ? { hostingModel: 'outofprocess', processes: workers, nodePath: process.execPath } : { workers };
}

/** The same as `isapi-node host` options. */
export const hostingArgs: string[] = outOfProcess ? ['--hosting-model', 'outofprocess', '--node-path', process.execPath] : [];
