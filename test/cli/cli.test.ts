// The isapi-node command line: `host` runs an app through the real path; `trace` shows the trace
// channel; mistakes are one clear line and exit code 2.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../support/build.js';
import { fixture } from '../support/app-host.js';
import { hostingArgs } from '../support/hosting-model.js';
import { request } from '../support/http.js';

const cli = join(projectRoot, 'dist', 'cli', 'main.js');

describe('isapi-node host', () => {
  it('serves an app through isapi-host and the extension, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'isapi-cli-'));
    const trace = join(dir, 'trace.log');
    const stats = join(dir, 'stats.json');
    const child = spawn(process.execPath, [cli, 'host', '--app', fixture('features.app.mjs'), '--port', '0', '--trace', trace, '--strict', '--stats-file', stats, '--max-body', '100', ...hostingArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const res = await request(`http://127.0.0.1:${port}/errors`);
    expect(res.status).toBe(204);
    // --max-body reached the extension's configuration.
    const upload = await request(`http://127.0.0.1:${port}/upload`, { method: 'POST', body: Buffer.alloc(101) });
    expect(upload.status).toBe(413);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(stats, 'utf8')).violations).toEqual([]);

    const shown = spawnSync(process.execPath, [cli, 'trace', trace, '--once'], { encoding: 'utf8' });
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('[isapi-node] ready: ');
    expect(shown.stdout).toContain('[app] a line for the trace channel');
    expect(shown.stdout).toContain('[isapi-node] stopped');
  });

  it('refuses a missing --app with one line and exit code 2', () => {
    const r = spawnSync(process.execPath, [cli, 'host', '--port', '0'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('isapi-node: --app is required: the module whose app to serve\n');
  });

  it('refuses an app module that does not exist', () => {
    const r = spawnSync(process.execPath, [cli, 'host', '--app', '/nope/app.js'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('isapi-node: the app module /nope/app.js does not exist\n');
  });

  it('refuses a limit that is not a whole number, naming its key', () => {
    const r = spawnSync(process.execPath, [cli, 'host', '--app', fixture('hello.app.mjs'), '--hang-timeout', '2s'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('isapi-node: --hang-timeout must be a whole number (the "hangTimeoutMs" key), got "2s"\n');
  });

  it('refuses an unknown option, naming it', () => {
    const r = spawnSync(process.execPath, [cli, 'host', '--app', fixture('hello.app.mjs'), '--prot', '1'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^isapi-node: Unknown option '--prot'/);
  });
});

/** Starts the CLI and resolves the port from the first URL it prints. */
async function startCli(args: string[]) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  return { port, child, exited, stderr: () => stderr };
}

describe('isapi-node serve', () => {
  // host's spelling, and the names serve had before, which stay as aliases.
  for (const [listen, virtualDir] of [['--listen', '--virtual-dir'], ['--host', '--script-name']]) {
    it(`serves an app on Node's http server under ${virtualDir} on ${listen}, and stops on SIGTERM`, async () => {
      const run = await startCli(['serve', '--app', fixture('hello.app.mjs'), '--port', '0', listen, '127.0.0.1', virtualDir, '/app']);
      const res = await request(`http://127.0.0.1:${run.port}/app/x`);
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe('Hello from GET /x\n');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    });
  }

  it('refuses an option given under both its names', () => {
    const r = spawnSync(process.execPath, [cli, 'serve', '--app', fixture('hello.app.mjs'), '--listen', '127.0.0.1', '--host', '::1'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('isapi-node: --host is another name for --listen: give one of them\n');
  });

  it('names an app module that fails to load, with exit code 2', () => {
    const r = spawnSync(process.execPath, [cli, 'serve', '--app', fixture('throws-at-load.app.mjs'), '--port', '0'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^isapi-node: loading the app module .* threw: Error: this app fails while it is loaded/);
  });
});

describe('--validate', () => {
  for (const command of ['host', 'serve']) {
    it(`makes ${command} refuse an app that breaks the interface, naming the rule on the trace channel`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'isapi-validate-'));
      const trace = join(dir, 'trace.log');
      const args = [command, '--app', fixture('misbehaving.app.mjs'), '--port', '0', '--validate'];
      const run = await startCli(command === 'host' ? [...args, '--trace', trace, ...hostingArgs] : args);
      const res = await request(`http://127.0.0.1:${run.port}/`);
      expect(res.status).toBe(500);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      const traced = command === 'host' ? readFileSync(trace, 'utf8') : run.stderr();
      expect(traced).toContain('ISAPI_VALIDATE_BARE_BODY');
    });
  }
});

describe('isapi-node', () => {
  it('refuses an unknown command and lists the commands', () => {
    const r = spawnSync(process.execPath, [cli, 'serv'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('isapi-node: unknown command "serv" (commands: host, serve, trace, build, iis-install, iis-uninstall, doctor, libnode)\n');
  });

  it('prints its usage with --help', () => {
    const r = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: isapi-node <command>');
  });
});
