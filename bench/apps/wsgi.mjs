// The isapi-node contender: the routes as a WSGI-style app.
import { PLAINTEXT, bytesOf, download, downloadSize, filler } from './routes.mjs';

export default async function bench(environ, startResponse) {
  switch (environ.PATH_INFO) {
    case '/plaintext':
      startResponse('200 OK', [['Content-Type', 'text/plain'], ['Content-Length', '13']]);
      return [PLAINTEXT];
    case '/bytes': {
      const body = filler(bytesOf(environ.QUERY_STRING));
      startResponse('200 OK', [['Content-Type', 'application/octet-stream'], ['Content-Length', String(body.length)]]);
      return [body];
    }
    case '/echo': {
      const headers = [['Content-Type', 'application/octet-stream']];
      if (environ.CONTENT_LENGTH) headers.push(['Content-Length', environ.CONTENT_LENGTH]);
      startResponse('200 OK', headers);
      return environ['wsgi.input'];
    }
    case '/download': {
      const size = downloadSize(environ.QUERY_STRING);
      startResponse('200 OK', [['Content-Type', 'application/octet-stream'], ['Content-Length', String(size)]]);
      return download(size);
    }
    case '/upload': {
      let bytes = 0;
      for await (const chunk of environ['wsgi.input']) bytes += chunk.length;
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [String(bytes)];
    }
    default:
      startResponse('404 Not Found', [['Content-Type', 'text/plain'], ['Content-Length', '9']]);
      return ['not found'];
  }
}
