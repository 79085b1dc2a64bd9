// The fresh project the package test installs isapi-node into: a CommonJS Express app, a check
// that require() and import() see one API, and two TypeScript consumers (CommonJS and ESM).

/** An ordinary CommonJS Express app, as most apps on IIS are today. */
export const expressApp = `const express = require('express');
const { fromNodeListener } = require('isapi-node');

const app = express();
app.get('/', (req, res) => res.json({ served: 'by express', module: typeof module === 'object' ? 'commonjs' : 'esm' }));
module.exports = fromNodeListener(app);
`;

const tsconfig = (module) =>
  JSON.stringify({ compilerOptions: { module, moduleResolution: module, strict: true, noEmit: true, types: ['node'], target: 'ES2022' }, include: ['*.ts'] }, null, 2);

const typedConsumer = `import { fromNodeListener, IsapiError, type App, type Environ } from 'isapi-node';
import { fromFetch } from 'isapi-node/adapters';
import { validate } from 'isapi-node/validate';
import { createServer } from 'node:http';

const app: App = (environ: Environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [String(environ.PATH_INFO)];
};
export const checked: App = validate(app);
export const node: App = fromNodeListener(createServer().listeners('request')[0] as never);
export const fetched: App = fromFetch(() => new Response('hi'));
export const isError = (e: unknown): boolean => e instanceof IsapiError;
`;

export const consumerFiles = {
  'package.json': JSON.stringify({ name: 'isapi-node-consumer', private: true, type: 'commonjs' }, null, 2),
  // Compares what require() and import() give, in one process.
  'check-api.mjs': `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const required = require('isapi-node');
const imported = await import('isapi-node');
const names = (m) => Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort();
const adapters = await import('isapi-node/adapters');
const validate = require('isapi-node/validate');
console.log(JSON.stringify({
  requireKeys: names(required),
  importKeys: names(imported),
  sameIsapiError: required.IsapiError === imported.IsapiError,
  subpaths: adapters.fromNodeListener === required.fromNodeListener && validate.validate === imported.validate,
}));
`,
  'ts-cjs/package.json': JSON.stringify({ type: 'commonjs' }),
  'ts-cjs/tsconfig.json': tsconfig('node16'),
  'ts-cjs/index.ts': typedConsumer,
  'ts-esm/package.json': JSON.stringify({ type: 'module' }),
  'ts-esm/tsconfig.json': tsconfig('node16'),
  'ts-esm/index.ts': typedConsumer,
};
