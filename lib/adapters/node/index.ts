export { fromNodeListener, type NodeListener } from './handler.js';
