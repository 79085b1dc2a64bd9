import { describe, expect, it } from 'vitest';
import { ErrorCodes, IsapiError, isIsapiError, type ErrorCode } from '../../lib/index.js';

describe('error catalogue', () => {
  it('gives every code a message and an HTTP status', () => {
    for (const [code, spec] of Object.entries(ErrorCodes)) {
      expect(code).toMatch(/^ISAPI_[A-Z_]+$/);
      expect(spec.message.length).toBeGreaterThan(0);
      expect(spec.status).toBeGreaterThanOrEqual(400);
    }
  });

  it('fills the message placeholders in order', () => {
    const error = new IsapiError('ISAPI_BAD_STATUS', '"2xx"', 'it is wrong');
    expect(error.message).toBe('Invalid status "2xx": it is wrong');
  });

  it('carries its code and status and is an Error', () => {
    const error = new IsapiError('ISAPI_START_RESPONSE_TWICE');
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe<ErrorCode>('ISAPI_START_RESPONSE_TWICE');
    expect(error.status).toBe(500);
    expect(error.name).toBe('IsapiError');
  });

  it('recognizes its errors by code', () => {
    const error = new IsapiError('ISAPI_BAD_CHUNK', 'a number');
    expect(isIsapiError(error)).toBe(true);
    expect(isIsapiError(error, 'ISAPI_BAD_CHUNK')).toBe(true);
    expect(isIsapiError(error, 'ISAPI_BAD_BODY')).toBe(false);
    expect(isIsapiError(new Error('x'))).toBe(false);
  });
});
