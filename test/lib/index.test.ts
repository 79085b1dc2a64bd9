import { describe, expect, it } from 'vitest';
import * as api from '../../lib/index.js';

describe('the package entry', () => {
  it('exports the runtime names of the public API', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'ClientGone',
        'ClientGoneError',
        'RECORD_VARIABLES',
        'ErrorCodes',
        'FILE_CHUNK_BYTES',
        'FileBody',
        'IsapiError',
        'READ_CHUNK_BYTES',
        'RequestBody',
        'buildEnviron',
        'checkHeaderName',
        'checkHeaderValue',
        'checkHeaders',
        'checkStatus',
        'isHopByHop',
        'isIsapiError',
        'runApp',
        'fromNodeListener',
        'fromFetch',
        'serve',
        'validate',
        'ValidationError',
        'isValidationError',
        'ValidationCodes',
      ].sort(),
    );
  });
});
