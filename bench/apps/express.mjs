// The adapter-cost contender: one Express app, served through fromNodeListener under the host
// (default export) and on Node's http (expressApp).
import express from 'express';
import { fromNodeListener } from 'isapi-node';
import { PLAINTEXT } from './routes.mjs';

export const expressApp = express();
expressApp.disable('x-powered-by');
expressApp.disable('etag');
expressApp.get('/plaintext', (req, res) => {
  res.set('Content-Type', 'text/plain');
  res.send(PLAINTEXT);
});

export default fromNodeListener(expressApp);
