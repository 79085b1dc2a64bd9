// wsgi.errors: a text stream onto the transport's trace channel. The channel takes records, so
// text is collected up to a line end and each batch of whole lines becomes one record; flush()
// (and the end of the request, through the handler) sends whatever is left.

import type { ErrorStream } from '../types.js';

export class TraceStream implements ErrorStream {
  #pending = '';
  readonly #trace: (text: string) => void;

  constructor(trace: (text: string) => void) {
    this.#trace = trace;
  }

  write(text: string): void {
    this.#pending += String(text);
    const lastBreak = this.#pending.lastIndexOf('\n');
    if (lastBreak < 0) return;
    const lines = this.#pending.slice(0, lastBreak);
    this.#pending = this.#pending.slice(lastBreak + 1);
    this.#trace(lines);
  }

  writelines(lines: Iterable<string>): void {
    for (const line of lines) this.write(line);
  }

  flush(): void {
    if (this.#pending === '') return;
    const rest = this.#pending;
    this.#pending = '';
    this.#trace(rest);
  }
}
