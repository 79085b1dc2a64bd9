export { fromFetch, type FetchHandler } from './handler.js';
