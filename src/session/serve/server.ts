// `viv serve`: the image's engine, reached over a socket by any number of clients (`viv attach`,
// a notebook). Each client's first line must be its hello with the token; until then it gets
// little (peers.ts: the connections, their limits and backlogs). Entries
// from every client go through the engine's one lock, so they are applied one at a time in the
// order they arrived, each one transaction, journaled before its result is sent. What processes
// and timers print, and what each client defines, is pushed to every client. Commands that mean
// something else over the wire are served-commands.ts.
import { createServer } from 'node:net';
import type { Server as NetServer } from 'node:net';
import { chmodSync } from 'node:fs';
import { basename } from 'node:path';
import type { Engine } from '../engine/engine.ts';
import type { Result } from '../result.ts';
import type { Progress } from '../../shared/types.ts';
import { ask } from '../commands/queries.ts';
import { PROTOCOL_VERSION } from '../../shared/ops.ts';
import { REMOTE_OPS, WIRE_VERSION, badQuery } from './protocol.ts';
import type { ImageState, RemoteOpName, ServerMessage } from './protocol.ts';
import { tokenMatches } from './token.ts';
import { removeAddressFile, removeStaleSocket, writeAddressFile } from './address.ts';
import type { Address } from './address.ts';
import { Peers } from './peers.ts';
import type { Peer } from './peers.ts';
import { isDetach, servedRefusal } from './served-commands.ts';

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

export class Server {
  readonly options: ServeOptions;
  #engine: Engine | undefined;
  #net: NetServer | undefined;
  readonly #peers: Peers;
  /** The peer whose entry runs now (its Ctrl-C stops it; another client's does not). */
  #running: Peer | undefined;
  #closing = false;

  constructor(options: ServeOptions) {
    this.options = options;
    this.#peers = new Peers({
      ...(options.helloTimeoutMs !== undefined ? { helloTimeoutMs: options.helloTimeoutMs } : {}),
      ...(options.maxWaiting !== undefined ? { maxWaiting: options.maxWaiting } : {}),
      log: (text) => this.options.log(text),
      onHello: (peer, line) => this.#hello(peer, line),
      onMessage: (peer, line) => this.#message(peer, line),
    });
  }

  /** Starts listening; answers the address it listens on (a port of 0 is chosen then). */
  async listen(engine: Engine): Promise<Address> {
    this.#engine = engine;
    const { address } = this.options;
    const net = createServer({ allowHalfOpen: false }, (socket) => this.#peers.accept(socket));
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
    this.#peers.print(stream, text);
  }

  /** A process event or a revival: to every client. */
  notice(text: string, offer?: string): void {
    this.#peers.broadcast({ type: 'notice', text, ...(offer ? { offer } : {}) });
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
    this.#peers.close(reason);
    removeAddressFile(this.options.image);
    if (this.options.address.kind === 'unix') removeStaleSocket(this.options.address.path);
    await closed;
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
    const client = this.#peers.admit(peer);
    const engine = this.#engine!;
    this.options.log(`client ${peer.client} attached`);
    this.#send(peer, {
      type: 'welcome',
      vivarium: WIRE_VERSION,
      protocol: PROTOCOL_VERSION,
      image: basename(this.options.image),
      client,
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
    for (const other of this.#peers.clients()) {
      if (other !== peer) this.#send(other, { type: 'changed', client: peer.client, names, state });
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
    const bad = badQuery(op as RemoteOpName, request as Record<string, unknown>);
    if (bad) {
      const error = { name: 'BadRequest', message: bad };
      return this.#send(peer, { type: 'reply', id, reply: { ok: false, error } });
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
    this.#peers.send(peer, message);
  }

  #refuse(peer: Peer, reason: string): void {
    this.#peers.refuse(peer, reason);
  }
}
