// validate(app): a wrapper that checks both sides of the app interface (PEP 3333's rules as
// isapi-node applies them) and changes nothing for a correct app.

export { validate } from './validate.js';
export { ValidationCodes, ValidationError, isValidationError, type ValidationCode, type ValidationSpec } from './errors.js';
