// fromNodeListener: a Node `(req, res)` listener (Express, Koa's app.callback(), Fastify's
// routing) as an App, running unchanged on Node's own IncomingMessage and ServerResponse.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { clientGoneOf } from '../../core/environ.js';
import type { App, Body, Environ } from '../../types.js';
import { buildRequest } from './request.js';
import { createResponse } from './response.js';
import { ResponseBody } from './response-body.js';
import { AdapterSocket } from './socket.js';

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Runs `onGone` once when the client leaves, as an 'abort' listener on isapi.signal would: never
 * for a client already gone, and an exception it throws is uncaught rather than the caller's. The
 * core's own flag is used when the environ is the one the core made, so no AbortController is made.
 */
function whenGone(environ: Environ, onGone: () => void): void {
  const gone = clientGoneOf(environ);
  if (!gone) {
    environ['isapi.signal'].addEventListener('abort', onGone);
    return;
  }
  if (gone.isGone) return;
  gone.listen(() => {
    try {
      onGone();
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  });
}

export function fromNodeListener(listener: NodeListener): App {
  return (environ, startResponse): Body => {
    const socket = new AdapterSocket(environ);
    const req = buildRequest(environ, socket as unknown as Socket);
    const body = new ResponseBody(startResponse);
    const res = createResponse(req, body);
    let finished = false;
    body.onClose = () => {
      if (!finished && res.writableEnded) {
        finished = true;
        res.emit('prefinish');
        res.emit('finish');
      }
      res.emit('close');
      req.emit('close');
    };
    whenGone(environ, () => {
      // What Node's server does when the connection drops mid-request: res.destroyed turns true
      // and the socket closes, which is what on-finished (Express, loggers) waits for.
      if (!req.complete) req.emit('aborted');
      req.destroy();
      res.destroy();
    });
    listener(req, res);
    return body.whole() ?? body;
  };
}
