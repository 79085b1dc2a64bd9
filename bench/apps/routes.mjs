// The handler logic every contender serves, written once: plaintext (13 bytes), N bytes, an echo
// of the request body, a streamed download and a counted upload. Each contender wraps these in its
// own interface (WSGI-style app, Node http listener).
export const PLAINTEXT = Buffer.from('Hello, World!');
const FILLER = Buffer.alloc(16 << 20, 'x');
const CHUNK = 64 * 1024;
const PATTERN = Buffer.alloc(CHUNK);
for (let i = 0; i < CHUNK; i++) PATTERN[i] = i % 251;

export const bytesOf = (query) => Math.min(Number(new URLSearchParams(query).get('n') ?? 0), FILLER.length);
export const filler = (n) => FILLER.subarray(0, n);
export const downloadSize = (query) => Number(new URLSearchParams(query).get('bytes') ?? 0);

/** The download body, 64 KiB at a time, as an async generator. */
export async function* download(size) {
  for (let sent = 0; sent < size; sent += CHUNK) yield PATTERN.subarray(0, Math.min(CHUNK, size - sent));
}
