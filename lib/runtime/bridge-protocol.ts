// The bridge protocol, JavaScript side: how a batch of events is laid out and how operations ask
// for no reply. native/bridge/protocol.h is the native side's definition; the binding reports it
// through layout() and a worker checks it with layoutMismatch() before serving anything, so a
// binding and a bootstrap from different builds fail loudly instead of misreading each other.
// docs/architecture.md ("The bridge") describes the layout.

import { RECORD_VARIABLES } from '../core/record-variables.js';

export const PROTOCOL_VERSION = 2;

/** The first slot of each event in a batch. */
export const EventType = { request: 1, done: 2, gone: 3 } as const;

/** Slots after the type, per event. */
export const EventSlots = { request: 5, done: 3, gone: 1 } as const;

/**
 * Offsets of a request event's slots from its type slot. `fields`: method, path, query, rawUrl,
 * the record variables in RECORD_VARIABLES' order ("" for one IIS did not have), then the
 * headers as name, value, ... as received; one string joined by NUL (split here), or an array
 * of strings when a field held NUL. `present`: bit i set when IIS had RECORD_VARIABLES[i].
 * `preload`: undefined when IIS had read no body yet.
 */
export const RequestSlot = { id: 1, fields: 2, present: 3, totalBytes: 4, preload: 5 } as const;

/** Where the record variables start in a request's fields. */
export const FIELDS_BEFORE_VARIABLES = 4;
export const FIELD_SEPARATOR = '\0';

/** Offsets of a done event's slots (data: the bytes read, undefined when none). */
export const DoneSlot = { token: 1, ok: 2, data: 3 } as const;

/** Offsets of a gone event's slots. */
export const GoneSlot = { id: 1 } as const;

/** The token of an operation that wants no completion event (a final send: nothing waits for it). */
export const NO_REPLY = 0;

/** What the binding's layout() reports. */
export interface BridgeLayout {
  version: number;
  events: Record<keyof typeof EventType, { type: number; slots: number }>;
  noReply: number;
  recordVariables: readonly string[];
}

/** This side's layout, in the shape the binding reports its own. */
export function expectedLayout(): BridgeLayout {
  const events = {} as BridgeLayout['events'];
  for (const name of Object.keys(EventType) as (keyof typeof EventType)[]) {
    events[name] = { type: EventType[name], slots: EventSlots[name] };
  }
  return { version: PROTOCOL_VERSION, events, noReply: NO_REPLY, recordVariables: [...RECORD_VARIABLES] };
}

/** Null when `reported` is this side's layout; else what differs, for the runtime_failed message. */
export function layoutMismatch(reported: unknown): string | null {
  const expected = expectedLayout();
  const actual = (reported ?? {}) as Partial<BridgeLayout>;
  const differences: string[] = [];
  const compare = (what: string, mine: unknown, theirs: unknown): void => {
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
      differences.push(`${what}: the native binding has ${JSON.stringify(theirs)}, the JavaScript side ${JSON.stringify(mine)}`);
    }
  };
  compare('protocol version', expected.version, actual.version);
  for (const name of Object.keys(expected.events) as (keyof typeof EventType)[]) {
    compare(`${name} event`, expected.events[name], actual.events?.[name]);
  }
  compare('no-reply token', expected.noReply, actual.noReply);
  compare('record variables', expected.recordVariables, actual.recordVariables);
  if (differences.length === 0) return null;
  return (
    `the native bridge and the JavaScript runtime do not speak the same protocol (${differences.join('; ')}). ` +
    'They come from different builds: reinstall isapi-node, or rebuild it (npm run build), so that the extension and dist/runtime match.'
  );
}
