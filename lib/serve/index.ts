// The dev server: an App on Node's own http server, seen by the app exactly as under IIS.
export { serve, CLOSE_GRACE_MS, DEFAULT_HOST, DEFAULT_PORT, type DevServer, type ServeOptions } from './server.js';
export { canonicalPath } from './canonical-path.js';
