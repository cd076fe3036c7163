// The wire protocol of a served image (`viv serve`, `viv attach`): newline-delimited JSON, one
// object per line, UTF-8. The client's first line is its hello with the token; every later line is
// one message. The same ops as the in-process engine: an entry or a `:command` is `submit` (one
// transaction, journaled, in arrival order across clients), and the query ops of the op table
// (src/shared/ops.ts) are `ask`. PROTOCOL.md's "Serving" section is written from WIRE below.
import type { Reply, Request, SessionOpName } from '../../shared/ops.ts';
import type { Progress } from '../../shared/types.ts';
import type { Result } from '../result.ts';

/** The version of this wire protocol (the hello carries it; a different one is refused). */
export const WIRE_VERSION = 1;

/** The longest line a peer may send once authenticated (an entry of a few thousand lines fits). */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** The longest hello: a peer that has not shown its token gets little of the server's memory. */
export const MAX_HELLO_BYTES = 4096;
/** A peer that has not sent its hello in this time is dropped (`--hello-timeout`). */
export const HELLO_TIMEOUT_MS = 10_000;
/** Connections still waiting to authenticate at once; more are refused (`--max-waiting`). */
export const MAX_WAITING = 16;
/** Output queued to a client that does not read it; past this the client is dropped. */
export const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
/**
 * Output queued to a client past which what processes print is skipped for it (and counted; it is
 * told how much once it has caught up): a process that prints faster than a client reads slows
 * nobody and drops nobody. Answers are never skipped.
 */
export const MAX_PRINT_BACKLOG_BYTES = 1024 * 1024;

/**
 * The query ops a remote client may ask: they read the image and change nothing. The others of
 * the op table are the engine's own (`eval`, `commit`, `abort` are how `submit` journals an
 * entry; `snapshot`, `restore*`, `clock` are saving and opening) and are refused on the wire.
 */
export const REMOTE_OPS = ['defs', 'history', 'ps', 'frame', 'complete', 'inspect'] as const;
export type RemoteOpName = (typeof REMOTE_OPS)[number] & SessionOpName;

/**
 * What is wrong with the fields of a query op's request from the wire, or undefined: a peer's
 * `{"op": "complete", "text": null}` gets this answer instead of reaching the kernel as it is.
 */
export function badQuery(op: RemoteOpName, request: Record<string, unknown>): string | undefined {
  const needs = (field: string, what: string) => `${op} needs "${field}", ${what}`;
  switch (op) {
    case 'history':
    case 'frame':
      return typeof request.name === 'string' ? undefined : needs('name', 'a string');
    case 'complete':
      return typeof request.text === 'string' ? undefined : needs('text', 'a string');
    case 'inspect':
      if (request.last !== true && !Number.isSafeInteger(request.id)) {
        return needs('last', 'true (or "id", an inspection\'s number)');
      }
      return Array.isArray(request.path) && request.path.every((p) => typeof p === 'string')
        ? undefined
        : needs('path', 'an array of strings');
    default:
      return undefined;
  }
}

/**
 * A line for the server's log with what a peer sent made harmless: control characters (an escape
 * sequence a peer without the token put in its hello, a NUL, a carriage return) are written as
 * `\u001b`, so they cannot move the cursor of, or retitle, the terminal where `viv serve` runs.
 */
export function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** What the status line shows of the image; sent with every result and change. */
export interface ImageState {
  dirty: boolean;
  /** Names defined or rolled back since the last snapshot. */
  changed: string[];
  /** ISO time of the last snapshot. */
  lastSaved?: string;
  readOnly: boolean;
}

export interface Hello {
  vivarium: number;
  token: string;
}

export type ClientMessage =
  | { type: 'submit'; id: number; text: string }
  | { type: 'ask'; id: number; request: Request<RemoteOpName> }
  | { type: 'status'; id: number }
  | { type: 'interrupt' };

export type ServerMessage =
  | {
      type: 'welcome';
      vivarium: number;
      protocol: number;
      image: string;
      client: number;
      memoryMB: number;
      history: string[];
      state: ImageState;
    }
  | { type: 'refused'; vivarium: number; reason: string }
  | { type: 'result'; id: number; result: Result; state: ImageState; detach?: boolean }
  | { type: 'reply'; id: number; reply: Reply<RemoteOpName> }
  | { type: 'status'; id: number; heap: { used: number; limit: number }; state: ImageState }
  | { type: 'print'; stream: 'out' | 'err'; text: string }
  | { type: 'notice'; text: string; offer?: string }
  | { type: 'changed'; client: number; names: string[]; state: ImageState }
  | { type: 'progress'; progress: Progress }
  | { type: 'error'; id?: number; reason: string }
  | { type: 'closing'; reason: string };

/** Every message with one line of what it means: PROTOCOL.md is written from this table. */
export const WIRE: { from: 'client' | 'server'; shape: string; doc: string }[] = [
  {
    from: 'client',
    shape: '{"vivarium": 1, "token": HEX}',
    doc: 'The first line: the protocol version and the token (64 hex digits, the file beside the image).',
  },
  {
    from: 'server',
    shape:
      '{"type": "welcome", "vivarium": 1, "protocol": N, "image", "client", "memoryMB", "history", "state"}',
    doc: "Accepted: the image's file name, the op table's version (`PROTOCOL_VERSION`), this client's number, the REPL history.",
  },
  {
    from: 'server',
    shape: '{"type": "refused", "vivarium": 1, "reason"}',
    doc: 'No token, a wrong one, another version, a malformed or oversized hello, the oldest of too many waiting: then the connection is closed.',
  },
  {
    from: 'client',
    shape: '{"type": "submit", "id", "text"}',
    doc: 'An entry or a `:command`, as typed: one transaction, journaled, run after every entry that arrived before it (from any client).',
  },
  {
    from: 'server',
    shape: '{"type": "result", "id", "result", "state", "detach"?}',
    doc: 'Its `Result` (what `--batch --json` prints). `:quit` detaches this client (`detach: true`) and leaves the image running.',
  },
  {
    from: 'client',
    shape: '{"type": "ask", "id", "request": {"op", ...}}',
    doc: `A query op of the op table: ${REMOTE_OPS.map((op) => '`' + op + '`').join(', ')}. Other ops are refused (\`RefusedOp\`), and so is a field of the wrong type (\`BadRequest\`, naming it).`,
  },
  {
    from: 'server',
    shape: '{"type": "reply", "id", "reply"}',
    doc: "The op's reply, as in the op table: `{ ok: true, ... }` or `{ ok: false, error }`.",
  },
  {
    from: 'client',
    shape: '{"type": "status", "id"}',
    doc: 'The heap and the image state (the status line).',
  },
  {
    from: 'server',
    shape: '{"type": "status", "id", "heap": {"used", "limit"}, "state"}',
    doc: 'The answer to `status`.',
  },
  {
    from: 'client',
    shape: '{"type": "interrupt"}',
    doc: "Ctrl-C: stops this client's running entry, or, when no client's entry runs, the tick or timer callback running now.",
  },
  {
    from: 'server',
    shape: '{"type": "print", "stream": "out"|"err", "text"}',
    doc: 'What a process, a timer or a promise printed between entries: to every client.',
  },
  {
    from: 'server',
    shape: '{"type": "changed", "client", "names", "state"}',
    doc: 'Another client defined or rolled back these names: to every other client.',
  },
  {
    from: 'server',
    shape: '{"type": "notice", "text", "offer"?}',
    doc: 'A process stopped (with the rollback offered), the guest was revived: to every client.',
  },
  {
    from: 'server',
    shape: '{"type": "progress", "progress"}',
    doc: "How far long work of this client's entry has got.",
  },
  {
    from: 'server',
    shape: '{"type": "error", "id"?, "reason"}',
    doc: 'A line that is not JSON or not a message (the connection stays); an oversized line (then closed).',
  },
  {
    from: 'server',
    shape: '{"type": "closing", "reason"}',
    doc: 'The server is shutting down (SIGTERM, SIGINT): it saves the image, then closes the connection.',
  },
];

/**
 * Splits a byte stream into lines, refusing one longer than `max` bytes before it is all read (a
 * peer cannot make the server hold more than `max` bytes of a line).
 */
export class LineSplitter {
  #parts: Buffer[] = [];
  #length = 0;
  max: number;

  constructor(max: number) {
    this.max = max;
  }

  /**
   * The complete lines in `chunk` (with what came before), one at a time, so that a change of
   * `max` after a line (the hello accepted) applies to the lines after it; throws FrameTooLong.
   */
  *push(chunk: Buffer): Generator<string> {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (this.#length + piece.length > this.max) throw new FrameTooLong(this.max);
      this.#parts.push(piece);
      const line = Buffer.concat(this.#parts).toString('utf8').replace(/\r$/, '');
      this.#parts = [];
      this.#length = 0;
      start = nl + 1;
      yield line;
    }
    const rest = chunk.subarray(start);
    if (this.#length + rest.length > this.max) throw new FrameTooLong(this.max);
    if (rest.length) {
      this.#parts.push(Buffer.from(rest));
      this.#length += rest.length;
    }
  }
}

export class FrameTooLong extends Error {
  constructor(max: number) {
    super(`a line longer than ${max} bytes (the limit of one message)`);
    this.name = 'FrameTooLong';
  }
}

/** One message as a line. */
export function frame(message: object): string {
  return JSON.stringify(message) + '\n';
}
