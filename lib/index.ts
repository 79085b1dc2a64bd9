// The public API of isapi-node: the WSGI-style app interface and the core that runs an app for one
// request over a transport.

export type { App, Body, Chunk, Environ, ErrorStream, FileWrapper, StartResponse, Write } from './types.js';

export { runApp, type RunOptions } from './core/handler.js';
export { buildEnviron, type EnvironOptions } from './core/environ.js';
export { RequestBody, READ_CHUNK_BYTES } from './core/input.js';
export { FileBody, FILE_CHUNK_BYTES, type FileWrapperOptions, type OpenFile } from './core/file-wrapper.js';
export { ClientGoneError, ErrorCodes, IsapiError, isIsapiError, type ErrorCode, type ErrorSpec } from './core/errors.js';
export { checkHeaderName, checkHeaderValue, checkHeaders, checkStatus, isHopByHop } from './core/headers.js';
export type { RequestRecord, ResponseHead, Transport } from './core/transport.js';
export { RECORD_VARIABLES, type RecordVariable } from './core/record-variables.js';
export { ClientGone } from './core/client-gone.js';

// Running the apps people already have, and checking apps against the interface.
export { fromNodeListener, type NodeListener } from './adapters/index.js';
export { validate, ValidationError, isValidationError, ValidationCodes, type ValidationCode, type ValidationSpec } from './validate/index.js';
export { fromFetch, type FetchHandler } from './adapters/index.js';
export { serve, type DevServer, type ServeOptions } from './serve/index.js';
