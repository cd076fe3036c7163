// `viv serve`: the image's engine, reached over a socket by any number of clients (`viv attach`,
// a notebook). Each client's first line must be its hello with the token; until then it gets
// little: a 4 KiB line, a few seconds, and a place among at most MAX_WAITING such peers. Entries
// from every client go through the engine's one lock, so they are applied one at a time in the
// order they arrived, each one transaction, journaled before its result is sent. What processes
// and timers print, and what each client defines, is pushed to every client.
import { createServer } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import { chmodSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import type { Engine } from '../engine/engine.ts';
import type { Result } from '../result.ts';
import type { Progress } from '../../shared/types.ts';
import { ask } from '../commands/queries.ts';
import { dotCommand, isDotCommand } from '../commands/dot-commands.ts';
import { PROTOCOL_VERSION } from '../../shared/ops.ts';
import {
  FrameTooLong,
  HELLO_TIMEOUT_MS,
  LineSplitter,
  MAX_BACKLOG_BYTES,
  MAX_PRINT_BACKLOG_BYTES,
  MAX_FRAME_BYTES,
  MAX_HELLO_BYTES,
  MAX_WAITING,
  REMOTE_OPS,
  WIRE_VERSION,
  frame,
} from './protocol.ts';
import type { ImageState, RemoteOpName, ServerMessage } from './protocol.ts';
import { tokenMatches } from './token.ts';
import { removeAddressFile, removeStaleSocket, writeAddressFile } from './address.ts';
import type { Address } from './address.ts';

export interface ServeOptions {
  /** The image file (its address file is written beside it). */
  image: string;
  address: Address;
  token: string;
  helloTimeoutMs?: number;
  maxWaiting?: number;
  /** Where the server says what happens (stderr). */
  log: (text: string) => void;
}

interface Peer {
  socket: Socket;
  /** The client's number, once it has shown the token. */
  client?: number;
  splitter: LineSplitter;
  timer?: NodeJS.Timeout;
  gone: boolean;
  /** Bytes of printed output skipped while the client was behind (told once it catches up). */
  skipped?: number;
}

export class Server {
  readonly options: ServeOptions;
  #engine: Engine | undefined;
  #net: NetServer | undefined;
  readonly #peers = new Set<Peer>();
  #waiting = 0;
  #clients = 0;
  /** The peer whose entry runs now (its Ctrl-C stops it; another client's does not). */
  #running: Peer | undefined;
  #closing = false;

  constructor(options: ServeOptions) {
    this.options = options;
  }

  /** Starts listening; answers the address it listens on (a port of 0 is chosen then). */
  async listen(engine: Engine): Promise<Address> {
    this.#engine = engine;
    const { address } = this.options;
    const net = createServer({ allowHalfOpen: false }, (socket) => this.#accept(socket));
    this.#net = net;
    // The image's lock is held: a socket file there is one a killed server left.
    if (address.kind === 'unix') removeStaleSocket(address.path);
    await new Promise<void>((resolve, reject) => {
      net.once('error', reject);
      const done = () => {
        net.off('error', reject);
        resolve();
      };
      if (address.kind === 'unix') net.listen(address.path, done);
      else net.listen(address.port, address.host, done);
    });
    net.on('error', (error) => this.options.log(`server error: ${error.message}`));
    let actual = address;
    if (address.kind === 'unix') chmodSync(address.path, 0o600);
    else {
      const bound = net.address();
      if (bound && typeof bound === 'object') actual = { ...address, port: bound.port };
    }
    writeAddressFile(this.options.image, actual);
    return actual;
  }

  /** What a process or a timer printed: to every client. */
  print(stream: 'out' | 'err', text: string): void {
    for (const peer of this.#peers) {
      if (peer.client === undefined || peer.gone) continue;
      if (peer.socket.writableLength > MAX_PRINT_BACKLOG_BYTES) {
        peer.skipped = (peer.skipped ?? 0) + Buffer.byteLength(text);
        continue;
      }
      if (peer.skipped) {
        const text = `${peer.skipped} bytes of what processes printed were skipped: this client read more slowly than they printed`;
        this.#send(peer, { type: 'notice', text });
        peer.skipped = 0;
      }
      this.#send(peer, { type: 'print', stream, text });
    }
  }

  /** A process event or a revival: to every client. */
  notice(text: string, offer?: string): void {
    this.#broadcast({ type: 'notice', text, ...(offer ? { offer } : {}) });
  }

  /** How far the running entry has got: to the client that sent it. */
  progress(progress: Progress): void {
    if (this.#running) this.#send(this.#running, { type: 'progress', progress });
  }

  /** Stops listening and tells every client why; the image is saved after (by the CLI). */
  async close(reason: string): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const net = this.#net;
    const closed = net ? new Promise<void>((resolve) => net.close(() => resolve())) : undefined;
    for (const peer of this.#peers) {
      if (peer.client !== undefined) this.#send(peer, { type: 'closing', reason });
      this.#drop(peer);
    }
    removeAddressFile(this.options.image);
    if (this.options.address.kind === 'unix') removeStaleSocket(this.options.address.path);
    await closed;
  }

  #accept(socket: Socket): void {
    const peer: Peer = { socket, splitter: new LineSplitter(MAX_HELLO_BYTES), gone: false };
    socket.on('error', () => {});
    if (this.#closing) return void socket.destroy();
    const max = this.options.maxWaiting ?? MAX_WAITING;
    if (this.#waiting >= max) {
      // The oldest peer that has not said hello gives way: a client says hello as it connects,
      // so a flood of silent connections cannot keep it out until their hello timeout.
      for (const old of this.#peers) {
        if (old.client !== undefined) continue;
        this.#refuse(
          old,
          `too many connections are waiting to authenticate (${max}); the oldest is dropped`,
        );
        break;
      }
    }
    this.#waiting++;
    this.#peers.add(peer);
    const timeout = this.options.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
    peer.timer = setTimeout(
      () =>
        this.#refuse(
          peer,
          `no hello within ${timeout} ms: the first line must be {"vivarium": ${WIRE_VERSION}, "token": HEX}`,
        ),
      timeout,
    );
    socket.on('data', (chunk: Buffer) => this.#data(peer, chunk));
    socket.on('close', () => this.#gone(peer));
  }

  #data(peer: Peer, chunk: Buffer): void {
    try {
      for (const line of peer.splitter.push(chunk)) {
        if (peer.gone) return;
        if (peer.client === undefined) this.#hello(peer, line);
        else {
          void this.#message(peer, line).catch((error: Error) =>
            this.options.log(`client ${peer.client}: ${error.message}`),
          );
        }
      }
    } catch (error) {
      if (!(error instanceof FrameTooLong)) throw error;
      if (peer.gone) return;
      if (peer.client === undefined) return this.#refuse(peer, `the hello is ${error.message}`);
      this.options.log(`client ${peer.client} dropped: it sent ${error.message}`);
      this.#send(peer, { type: 'error', reason: `${error.message}: the connection is closed` });
      this.#drop(peer);
    }
  }

  #hello(peer: Peer, line: string): void {
    const expected = `the first line must be {"vivarium": ${WIRE_VERSION}, "token": HEX}`;
    let hello: unknown;
    try {
      hello = JSON.parse(line);
    } catch (error) {
      return this.#refuse(peer, `the hello is not JSON (${(error as Error).message}); ${expected}`);
    }
    if (typeof hello !== 'object' || hello === null || !('vivarium' in hello)) {
      return this.#refuse(peer, `no hello: ${expected}`);
    }
    const { vivarium, token } = hello as { vivarium: unknown; token?: unknown };
    if (vivarium !== WIRE_VERSION) {
      return this.#refuse(
        peer,
        `protocol version ${JSON.stringify(vivarium)} is not spoken here; this server speaks ${WIRE_VERSION}`,
      );
    }
    if (token === undefined) {
      return this.#refuse(
        peer,
        `no token: ${expected} (the token is in ${this.options.image}.token)`,
      );
    }
    if (!tokenMatches(token, this.options.token)) return this.#refuse(peer, 'wrong token');
    clearTimeout(peer.timer);
    this.#waiting--;
    peer.client = ++this.#clients;
    peer.splitter.max = MAX_FRAME_BYTES;
    const engine = this.#engine!;
    this.options.log(`client ${peer.client} attached`);
    this.#send(peer, {
      type: 'welcome',
      vivarium: WIRE_VERSION,
      protocol: PROTOCOL_VERSION,
      image: basename(this.options.image),
      client: peer.client,
      memoryMB: engine.options.memoryMB,
      history: [...engine.history],
      state: this.#state(),
    });
  }

  async #message(peer: Peer, line: string): Promise<void> {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      return this.#send(peer, {
        type: 'error',
        reason: `a line that is not JSON (${(error as Error).message}): ${line.slice(0, 80)}`,
      });
    }
    const id = typeof message?.id === 'number' ? message.id : undefined;
    const needsId = (what: string) =>
      this.#send(peer, { type: 'error', reason: `${what} needs a numeric "id"` });
    switch (message?.type) {
      case 'submit':
        if (id === undefined) return needsId('submit');
        if (typeof message.text !== 'string') {
          return this.#send(peer, { type: 'error', id, reason: 'submit needs a "text" string' });
        }
        return this.#submit(peer, id, message.text);
      case 'ask':
        if (id === undefined) return needsId('ask');
        return this.#ask(peer, id, message.request);
      case 'status': {
        if (id === undefined) return needsId('status');
        const heap = await this.#engine!.heap().catch(() => ({ used: 0, limit: 0 }));
        return this.#send(peer, { type: 'status', id, heap, state: this.#state() });
      }
      case 'interrupt':
        if (this.#running === peer || this.#running === undefined) this.#engine!.interrupt();
        return;
      default:
        return this.#send(peer, {
          type: 'error',
          ...(id !== undefined ? { id } : {}),
          reason: `unknown message type ${JSON.stringify(message?.type)}: submit, ask, status or interrupt`,
        });
    }
  }

  async #submit(peer: Peer, id: number, text: string): Promise<void> {
    const engine = this.#engine!;
    if (isDetach(text)) {
      const value = `detached; ${basename(this.options.image)} goes on running (the server stops on SIGTERM or Ctrl-C where it runs)`;
      this.#send(peer, {
        type: 'result',
        id,
        result: { ok: true, value, printed: [] },
        state: this.#state(),
        detach: true,
      });
      return;
    }
    const refusal = servedRefusal(text);
    if (refusal) {
      const result: Result = { ok: false, error: refusal, printed: [] };
      return this.#send(peer, { type: 'result', id, result, state: this.#state() });
    }
    let result: Result;
    try {
      // The engine's lock: this entry runs after every entry that arrived before it.
      result = await engine.exclusive(async () => {
        this.#running = peer;
        try {
          return await engine.submit(text);
        } finally {
          this.#running = undefined;
        }
      });
    } catch (error) {
      result = {
        ok: false,
        error: { name: 'InternalError', message: (error as Error).message },
        printed: [],
      };
    }
    const state = this.#state();
    this.#send(peer, { type: 'result', id, result, state });
    const names = (result.defined ?? []).map((d) => d.name);
    if (names.length === 0 || peer.client === undefined) return;
    for (const other of this.#peers) {
      if (other !== peer && other.client !== undefined) {
        this.#send(other, { type: 'changed', client: peer.client, names, state });
      }
    }
  }

  async #ask(peer: Peer, id: number, request: unknown): Promise<void> {
    const op = (request as { op?: unknown } | null)?.op;
    if (typeof request !== 'object' || !REMOTE_OPS.includes(op as RemoteOpName)) {
      return this.#send(peer, {
        type: 'reply',
        id,
        reply: {
          ok: false,
          error: {
            name: 'RefusedOp',
            message: `${JSON.stringify(op)} is not a query op a client may ask (${REMOTE_OPS.join(', ')}); entries and commands go through submit`,
          },
        },
      });
    }
    try {
      const reply = await ask(this.#engine!, request as Parameters<typeof ask<RemoteOpName>>[1]);
      this.#send(peer, { type: 'reply', id, reply });
    } catch (error) {
      this.#send(peer, {
        type: 'reply',
        id,
        reply: { ok: false, error: { name: 'InternalError', message: (error as Error).message } },
      });
    }
  }

  #state(): ImageState {
    const engine = this.#engine!;
    return {
      dirty: engine.dirty,
      changed: [...engine.changedSinceSave],
      ...(engine.lastSaved ? { lastSaved: engine.lastSaved.toISOString() } : {}),
      readOnly: engine.readOnlyFile,
    };
  }

  #send(peer: Peer, message: ServerMessage): void {
    if (peer.gone || peer.socket.destroyed) return;
    if (peer.socket.writableLength > MAX_BACKLOG_BYTES) {
      this.options.log(`client ${peer.client} dropped: it stopped reading what it was sent`);
      return this.#drop(peer);
    }
    peer.socket.write(frame(message));
  }

  #broadcast(message: ServerMessage): void {
    for (const peer of this.#peers) if (peer.client !== undefined) this.#send(peer, message);
  }

  /** A peer that has not authenticated: told why, then closed. */
  #refuse(peer: Peer, reason: string): void {
    if (peer.gone) return;
    this.options.log(`refused a connection: ${reason}`);
    peer.socket.write(frame({ type: 'refused', vivarium: WIRE_VERSION, reason }));
    this.#drop(peer);
  }

  /** Ends a connection: what was written goes out, then it closes (at once if it never reads). */
  #drop(peer: Peer): void {
    if (peer.gone) return;
    this.#gone(peer);
    peer.socket.end();
    setTimeout(() => peer.socket.destroy(), 1000).unref();
  }

  #gone(peer: Peer): void {
    if (peer.gone) return;
    peer.gone = true;
    clearTimeout(peer.timer);
    this.#peers.delete(peer);
    if (peer.client === undefined) this.#waiting--;
    else if (!this.#closing) this.options.log(`client ${peer.client} detached`);
  }
}

/**
 * The commands a client may not run as typed on a served image: `:edit` would open an editor on
 * the server's terminal (`viv attach` runs it on the client's: see RemoteSession.submit), `:save
 * PATH` would move the image away from its socket, token and lock, and a relative path would be
 * taken from the server's directory, not the client's.
 */
export function servedRefusal(text: string): { name: string; message: string } | undefined {
  const match = /^:(edit|save|export|dump|load|import)(?:\s+([\s\S]*))?$/.exec(asCommand(text));
  if (!match) return undefined;
  const [, command, rest = ''] = match;
  const args = rest.trim();
  if (command === 'edit') {
    return {
      name: 'EditError',
      message:
        ':edit opens an editor where the command runs, and a served image has no terminal: viv attach runs it on your machine; over the wire, send the edited definition as an entry',
    };
  }
  if (command === 'save') {
    return args === ''
      ? undefined
      : {
          name: 'SaveError',
          message: `a served image is saved where it is (:save with no path); :save ${args} would move it away from its socket and token. To copy it: viv export, or cp the image after :save`,
        };
  }
  // The path is the last word of :dump EXPR FILE, the only word of the others.
  const path = command === 'dump' ? (/\S+$/.exec(args)?.[0] ?? '') : args;
  if (path === '' || isAbsolute(path)) return undefined;
  return {
    name: 'UsageError',
    message: `:${command} ${path}: a served image takes paths on the machine where it runs, from its own directory (${process.cwd()}), not yours; give an absolute path`,
  };
}

/** `:quit`, `:quit!` and `.exit` detach a client: they do not end the served image. */
function isDetach(text: string): boolean {
  return /^:quit!?$/.test(asCommand(text));
}

/** An entry as the `:command` it is (a `.command` of Node's REPL is one too). */
function asCommand(text: string): string {
  const command = text.trim();
  if (!isDotCommand(command)) return command;
  const dot = dotCommand(command);
  return 'message' in dot ? '' : dot.command;
}
