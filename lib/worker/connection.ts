// The worker's end of its one connection to the extension: frames in, cut from the byte stream
// and decoded; frames out, gathered per turn of the event loop and written with one write.
//
// Why setImmediate and not queueMicrotask for the flush: a request's frames are produced across
// many microtask hops (runApp's awaits, the outbox's chain, the send window), and frames arrive in
// one 'data' event for several requests at once. A microtask flush runs as soon as the microtasks
// queued before it are done, in the middle of that cascade, and would write several times per turn.
// setImmediate runs in the check phase, after every I/O callback of the turn and all of their
// microtasks: one write per turn of the loop, as docs/protocol.md ("Batching") asks.

import type { Socket } from 'node:net';
import { FROM_EXTENSION, FrameParser, ProtocolError, decodeFrame, encodeFrame, type ExtensionFrame, type WorkerFrame } from './frames.js';

export interface ConnectionEvents {
  /** One frame from the extension; throwing a ProtocolError ends the connection as a bad frame. */
  frame(frame: ExtensionFrame): void;
  /** Called once, when the connection is over: `problem` null for a clean close, else what went wrong. */
  end(problem: string | null): void;
}

export class Connection {
  readonly #socket: Socket;
  readonly #events: ConnectionEvents;
  readonly #parser = new FrameParser(FROM_EXTENSION);
  #outgoing: Buffer[] = [];
  #flushing = false;
  #ended = false;

  constructor(socket: Socket, events: ConnectionEvents) {
    this.#socket = socket;
    this.#events = events;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => this.#end(this.#closedByExtension(error) ? null : `the connection to the extension failed: ${error.message}`));
    socket.on('close', () => this.#end(this.#parser.idle ? null : 'the extension closed the connection in the middle of a frame'));
  }

  /** Queues a frame; it leaves with everything else produced in this turn of the event loop. */
  send(frame: WorkerFrame): void {
    if (this.#ended) return;
    // Encoded now, not at the flush: the frame owns a copy, the caller may reuse its buffers at once.
    this.#outgoing.push(encodeFrame(frame));
    if (this.#flushing) return;
    this.#flushing = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushing = false;
    const batch = this.#outgoing;
    this.#outgoing = [];
    if (this.#ended || batch.length === 0) return;
    // The socket buffers what the extension has not read yet; every request's send window bounds
    // how much that can be, so write()'s back-pressure signal needs no answer here.
    this.#socket.write(batch.length === 1 ? batch[0] : Buffer.concat(batch));
  }

  #receive(chunk: Buffer): void {
    if (this.#ended) return;
    try {
      for (const raw of this.#parser.push(chunk)) {
        // The parser was given FROM_EXTENSION: any other type was refused with its header.
        this.#events.frame(decodeFrame(raw) as ExtensionFrame);
        if (this.#ended) return;
      }
    } catch (error) {
      this.#end(
        error instanceof ProtocolError
          ? `the extension sent a bad frame: ${error.message}`
          : `handling a frame from the extension failed: ${(error as Error)?.stack ?? String(error)}`,
      );
    }
  }

  /**
   * A named pipe the extension disconnected (its clean stop: DisconnectNamedPipe) is reported by
   * libuv as EPIPE, not as the end of the stream: between whole frames it is the same clean close.
   */
  #closedByExtension(error: NodeJS.ErrnoException): boolean {
    return process.platform === 'win32' && error.code === 'EPIPE' && this.#parser.idle;
  }

  #end(problem: string | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#socket.destroy();
    this.#events.end(problem);
  }
}
