// The validator's catalogue and its error type.

import { describe, expect, it } from 'vitest';
import * as api from '../../lib/validate/index.js';
import { ValidationCodes, ValidationError, isValidationError, validate } from '../../lib/validate/index.js';

describe('validation catalogue', () => {
  it('gives every code the ISAPI_VALIDATE_ prefix, a culprit, a rule, a message and a fix', () => {
    for (const [code, spec] of Object.entries(ValidationCodes)) {
      expect(code).toMatch(/^ISAPI_VALIDATE_[A-Z_]+$/);
      expect(['app', 'server']).toContain(spec.by);
      for (const text of [spec.rule, spec.message, spec.fix]) expect(text.length).toBeGreaterThan(0);
    }
  });

  it('builds one line: what happened, the rule and who broke it, the fix', () => {
    const error = new ValidationError('ISAPI_VALIDATE_READ_SIZE', ['number -1']);
    expect(error.message).toBe(
      'wsgi.input.read() got the size number -1. Rule: wsgi.input.read(size) takes no size, or a non-negative integer (the app broke it). Fix: pass a whole number of bytes (0 or more), or nothing to read the rest.',
    );
  });

  it('fills the fix placeholders after the message placeholders', () => {
    const error = new ValidationError('ISAPI_VALIDATE_ENVIRON_FORBIDDEN_KEY', ['HTTP_CONTENT_TYPE', 'CONTENT_TYPE']);
    expect(error.message).toContain('The environ has the key HTTP_CONTENT_TYPE.');
    expect(error.message).toContain('Fix: put the value under CONTENT_TYPE and delete the HTTP_ key.');
  });
});

describe('ValidationError', () => {
  it('is an Error with its code, culprit and rule', () => {
    const error = new ValidationError('ISAPI_VALIDATE_CLOSE_TWICE');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ValidationError');
    expect(error.code).toBe('ISAPI_VALIDATE_CLOSE_TWICE');
    expect(error.by).toBe('server');
    expect(error.rule).toBe(ValidationCodes.ISAPI_VALIDATE_CLOSE_TWICE.rule);
  });

  it('starts its stack with the code, as trace records show it', () => {
    const error = new ValidationError('ISAPI_VALIDATE_BODY_TYPE', ['number 1']);
    expect(error.stack?.split('\n')[0]).toBe(`ValidationError [ISAPI_VALIDATE_BODY_TYPE]: ${error.message}`);
  });

  it('is recognized by code', () => {
    const error = new ValidationError('ISAPI_VALIDATE_EXC_INFO', ['x']);
    expect(isValidationError(error)).toBe(true);
    expect(isValidationError(error, 'ISAPI_VALIDATE_EXC_INFO')).toBe(true);
    expect(isValidationError(error, 'ISAPI_VALIDATE_STATUS')).toBe(false);
    expect(isValidationError(new Error('x'))).toBe(false);
  });
});

describe('validate()', () => {
  it('refuses an app that is not a function', () => {
    expect(() => validate({ default: () => [] } as never)).toThrow(/validate\(\) got an object.*validate\(module\.default\)/);
  });

  it('is exported with the error type and the catalogue', () => {
    expect(Object.keys(api).sort()).toEqual(['ValidationCodes', 'ValidationError', 'isValidationError', 'validate']);
  });
});
