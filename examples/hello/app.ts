// The demo app: a WSGI-style app in TypeScript, served by `npm start` through the real path
// (HTTP → isapi-host → isapi_node extension → embedded Node → this function).
import type { App } from 'isapi-node';

const app: App = (environ, startResponse) => {
  const path = environ.PATH_INFO || '/';
  if (path === '/' || path === '/hello') {
    startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
    return [`Hello from isapi-node: ${environ.REQUEST_METHOD} ${environ.SCRIPT_NAME}${path}\n`];
  }
  if (path === '/environ') {
    const visible = Object.entries(environ).filter(([, v]) => typeof v === 'string' || typeof v === 'boolean');
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return [JSON.stringify(Object.fromEntries(visible), null, 2) + '\n'];
  }
  if (path === '/echo' && environ.REQUEST_METHOD === 'POST') {
    startResponse('200 OK', [['Content-Type', environ.CONTENT_TYPE ?? 'application/octet-stream']]);
    return environ['wsgi.input'];
  }
  startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
  return [`no route for ${path}\n`];
};

export default app;
