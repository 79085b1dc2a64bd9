// The server variables every request record carries: exactly those the environ and the adapters
// read. Anything else is looked up on demand (isapi.server_variable). The native extension has
// its own copy (kRecordVariables in native/backend/backend.h); an in-process worker refuses to
// start when the two differ, and the dev server answers exactly these.

export const RECORD_VARIABLES = [
  'APPL_MD_PATH', // SCRIPT_NAME
  'REMOTE_ADDR', // the connection's addresses
  'REMOTE_PORT',
  'LOCAL_ADDR',
  'REMOTE_USER', // IIS authentication, never a header
  'AUTH_TYPE',
  'SERVER_NAME', // CGI keys
  'SERVER_PORT',
  'SERVER_PROTOCOL',
  'HTTPS', // wsgi.url_scheme
  'CONTENT_TYPE',
] as const;

export type RecordVariable = (typeof RECORD_VARIABLES)[number];
