// The node-http contender (and the proxy hop's upstream): the routes on Node's own http server.
// Usage: node node-http.mjs [port] [express]
import http from 'node:http';
import { PLAINTEXT, bytesOf, download, downloadSize, filler } from './routes.mjs';

export function listener(req, res) {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  switch (path) {
    case '/plaintext':
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '13' });
      return res.end(PLAINTEXT);
    case '/bytes': {
      const body = filler(bytesOf(query));
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) });
      return res.end(body);
    }
    case '/echo': {
      const headers = { 'Content-Type': 'application/octet-stream' };
      if (req.headers['content-length']) headers['Content-Length'] = req.headers['content-length'];
      res.writeHead(200, headers);
      return req.pipe(res);
    }
    case '/download': {
      const size = downloadSize(query);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) });
      return (async () => {
        for await (const chunk of download(size)) if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
        res.end();
      })();
    }
    case '/upload': {
      let bytes = 0;
      req.on('data', (c) => (bytes += c.length));
      return req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(String(bytes));
      });
    }
    default:
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': '9' });
      return res.end('not found');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const useExpress = process.argv[3] === 'express';
  const handler = useExpress ? (await import('./express.mjs')).expressApp : listener;
  const server = http.createServer({ keepAliveTimeout: 60_000 }, handler);
  server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}/`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
