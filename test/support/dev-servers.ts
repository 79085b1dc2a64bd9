import { afterEach } from 'vitest';
import type { App } from '../../lib/index.js';
import { serve, type DevServer, type ServeOptions } from '../../lib/serve/index.js';

/**
 * Dev servers a test file starts on free loopback ports, with their trace records collected; all
 * are closed, and the records cleared, after each test.
 */
export function devServers() {
  const servers: DevServer[] = [];
  const traces: string[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    traces.length = 0;
  });
  return {
    traces,
    async start(app: App, options: ServeOptions = {}): Promise<DevServer> {
      const server = await serve(app, { port: 0, trace: (text) => traces.push(text), ...options });
      servers.push(server);
      return server;
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
