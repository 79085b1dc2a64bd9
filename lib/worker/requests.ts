// The requests a worker is serving, by id: each REQUEST starts a run of the app at once (requests
// are served concurrently), and the frames that answer a request's operations go to its transport.

import { runApp, type RunOptions } from '../core/handler.js';
import type { App } from '../types.js';
import { FrameType, ProtocolError, frameName, type ExtensionFrame, type RequestFrame } from './frames.js';
import { WorkerTransport, type FrameSink } from './worker-transport.js';

export class Requests {
  readonly #sink: FrameSink;
  readonly #app: App;
  readonly #options: RunOptions;
  readonly #active = new Map<number, WorkerTransport>();

  constructor(sink: FrameSink, app: App, options: RunOptions) {
    this.#sink = sink;
    this.#app = app;
    this.#options = options;
  }

  dispatch(frame: ExtensionFrame): void {
    switch (frame.type) {
      case FrameType.request:
        return this.#start(frame);
      // Either side may end a request while the other's frames are on their way: BODY and SENT
      // for an id no longer known are late, not wrong.
      case FrameType.body:
        return this.#active.get(frame.id)?.onBody(frame);
      case FrameType.sent:
        return this.#active.get(frame.id)?.onSent(frame);
      case FrameType.gone: {
        const transport = this.#active.get(frame.id);
        this.#active.delete(frame.id);
        return transport?.onGone();
      }
      default:
        throw new ProtocolError(`a ${frameName(frame.type)} frame while serving`);
    }
  }

  #start(frame: RequestFrame): void {
    if (this.#active.has(frame.id)) throw new ProtocolError(`a REQUEST with the id ${frame.id} of a request in flight`);
    const transport = new WorkerTransport(this.#sink, frame);
    this.#active.set(frame.id, transport);
    void runApp(this.#app, transport.record, transport, this.#options).finally(() => {
      // A GONE may have forgotten it already, and the id been given to a new request since.
      if (this.#active.get(frame.id) === transport) this.#active.delete(frame.id);
      transport.close();
    });
  }
}
