// The connections of a served image (server.ts decides what their lines mean). A peer that has not
// shown the token yet gets little: a 4 KiB line, a few seconds, and a place among at most
// MAX_WAITING such peers (the oldest gives way to a new one). Writing to a peer minds its backlog:
// one that stops reading is dropped, and printed output it is behind on is skipped and counted.
import type { Socket } from 'node:net';
import {
  FrameTooLong,
  HELLO_TIMEOUT_MS,
  LineSplitter,
  MAX_BACKLOG_BYTES,
  MAX_PRINT_BACKLOG_BYTES,
  MAX_FRAME_BYTES,
  MAX_HELLO_BYTES,
  MAX_WAITING,
  WIRE_VERSION,
  frame,
  printable,
} from './protocol.ts';
import type { ServerMessage } from './protocol.ts';

export interface Peer {
  socket: Socket;
  /** The client's number, once it has shown the token. */
  client?: number;
  splitter: LineSplitter;
  timer?: NodeJS.Timeout;
  gone: boolean;
  /** Bytes of printed output skipped while the client was behind (told once it catches up). */
  skipped?: number;
}

export interface PeersOptions {
  helloTimeoutMs?: number;
  maxWaiting?: number;
  /** Where the server says what happens (stderr). */
  log: (text: string) => void;
  /** The first line of a peer that has not shown the token. */
  onHello: (peer: Peer, line: string) => void;
  /** A line of an authenticated client. */
  onMessage: (peer: Peer, line: string) => Promise<void>;
}

export class Peers {
  readonly #options: PeersOptions;
  readonly #peers = new Set<Peer>();
  #waiting = 0;
  #clients = 0;
  #closing = false;

  constructor(options: PeersOptions) {
    this.#options = options;
  }

  /** The clients that have shown the token. */
  *clients(): Generator<Peer & { client: number }> {
    for (const peer of this.#peers)
      if (peer.client !== undefined) yield peer as Peer & { client: number };
  }

  accept(socket: Socket): void {
    const peer: Peer = { socket, splitter: new LineSplitter(MAX_HELLO_BYTES), gone: false };
    socket.on('error', () => {});
    if (this.#closing) return void socket.destroy();
    const max = this.#options.maxWaiting ?? MAX_WAITING;
    if (this.#waiting >= max) {
      // The oldest peer that has not said hello gives way: a client says hello as it connects,
      // so a flood of silent connections cannot keep it out until their hello timeout.
      for (const old of this.#peers) {
        if (old.client !== undefined) continue;
        this.refuse(
          old,
          `too many connections are waiting to authenticate (${max}); the oldest is dropped`,
        );
        break;
      }
    }
    this.#waiting++;
    this.#peers.add(peer);
    const timeout = this.#options.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
    peer.timer = setTimeout(
      () =>
        this.refuse(
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
        if (peer.client === undefined) this.#options.onHello(peer, line);
        else {
          void this.#options
            .onMessage(peer, line)
            .catch((error: Error) => this.#options.log(`client ${peer.client}: ${error.message}`));
        }
      }
    } catch (error) {
      if (!(error instanceof FrameTooLong)) throw error;
      if (peer.gone) return;
      if (peer.client === undefined) return this.refuse(peer, `the hello is ${error.message}`);
      this.#options.log(`client ${peer.client} dropped: it sent ${error.message}`);
      this.send(peer, { type: 'error', reason: `${error.message}: the connection is closed` });
      this.drop(peer);
    }
  }

  /** The peer showed the token: it is a client now, with its number (answered). */
  admit(peer: Peer): number {
    clearTimeout(peer.timer);
    this.#waiting--;
    peer.client = ++this.#clients;
    peer.splitter.max = MAX_FRAME_BYTES;
    return peer.client;
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
        this.send(peer, { type: 'notice', text });
        peer.skipped = 0;
      }
      this.send(peer, { type: 'print', stream, text });
    }
  }

  send(peer: Peer, message: ServerMessage): void {
    if (peer.gone || peer.socket.destroyed) return;
    if (peer.socket.writableLength > MAX_BACKLOG_BYTES) {
      this.#options.log(`client ${peer.client} dropped: it stopped reading what it was sent`);
      return this.drop(peer);
    }
    peer.socket.write(frame(message));
  }

  broadcast(message: ServerMessage): void {
    for (const peer of this.#peers) if (peer.client !== undefined) this.send(peer, message);
  }

  /** Every client is told why, then every connection ends; no new one is taken. */
  close(reason: string): void {
    this.#closing = true;
    for (const peer of this.#peers) {
      if (peer.client !== undefined) this.send(peer, { type: 'closing', reason });
      this.drop(peer);
    }
  }

  /** A peer that has not authenticated: told why, then closed. */
  refuse(peer: Peer, reason: string): void {
    if (peer.gone) return;
    this.#options.log(`refused a connection: ${printable(reason)}`);
    peer.socket.write(frame({ type: 'refused', vivarium: WIRE_VERSION, reason }));
    this.drop(peer);
  }

  /** Ends a connection: what was written goes out, then it closes (at once if it never reads). */
  drop(peer: Peer): void {
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
    else if (!this.#closing) this.#options.log(`client ${peer.client} detached`);
  }
}
