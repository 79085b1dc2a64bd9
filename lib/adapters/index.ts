// `isapi-node/adapters`: running the apps people already have. Node's (req, res) listeners
// (Express, Koa's callback(), Fastify's routing) and Fetch-style handlers (Hono).
export { fromNodeListener, type NodeListener } from './node/index.js';
export { fromFetch, type FetchHandler } from './fetch/index.js';
