// The client of a served image: `connect(address, token)` answers a RemoteSession, which is a
// SessionPort (what the terminal UI and batch mode use of a session) over the socket. It submits
// entries and commands, asks query ops, and emits what the server pushes: `print` (output of
// processes and timers), `notice` (process events, revivals), `changed` (another client defined
// something), `close` (the server went away, with why). `viv attach` and `viv jupyter --attach`
// use it; nothing here knows about a terminal.
import { stdlibEntries } from '../stdlib.ts';
import { EventEmitter } from 'node:events';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import type { Reply, Request, SessionOpName } from '../../shared/ops.ts';
import type { Progress } from '../../shared/types.ts';
import type { Outcome } from '../guest/guest.ts';
import type { SessionPort } from '../port.ts';
import type { Result } from '../result.ts';
import { editText } from '../code-io/edit.ts';
import { fileNames } from '../code-io/names.ts';
import { checkOwnFile, formatAddress, parseAddress } from './address.ts';
import type { Address } from './address.ts';
import { LineSplitter, WIRE_VERSION, frame, REMOTE_OPS } from './protocol.ts';
import type { ClientMessage, ImageState, RemoteOpName, ServerMessage } from './protocol.ts';

/** What the server may send in one line (a large value or a long history). */
const MAX_SERVER_LINE = 256 * 1024 * 1024;

export class ConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectError';
  }
}

export interface RemoteEvents {
  print: [stream: 'out' | 'err', text: string];
  notice: [text: string, offer: string | undefined];
  changed: [client: number, names: string[]];
  progress: [progress: Progress];
  close: [reason: string];
}

/** Connects and says hello; rejects with the server's refusal, or why it could not be reached. */
export function connect(address: Address | string, token: string): Promise<RemoteSession> {
  const target = typeof address === 'string' ? parseAddress(address) : address;
  const where = formatAddress(target);
  if (target.kind === 'unix') {
    try {
      checkOwnFile(target.path, 'the socket');
    } catch (error) {
      return Promise.reject(new ConnectError((error as Error).message));
    }
  }
  return new Promise((resolve, reject) => {
    const socket =
      target.kind === 'unix'
        ? netConnect(target.path)
        : netConnect({ host: target.host, port: target.port });
    const splitter = new LineSplitter(MAX_SERVER_LINE);
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new ConnectError(message));
    };
    socket.once('connect', () => socket.write(frame({ vivarium: WIRE_VERSION, token })));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'ECONNREFUSED' || error.code === 'ENOENT'
          ? 'nothing listens there (is viv serve running?)'
          : error.message;
      fail(`cannot reach ${where}: ${why}`);
    });
    socket.on('close', () => fail(`${where} closed the connection before answering the hello`));
    const onData = (chunk: Buffer) => {
      let lines: string[];
      try {
        lines = [...splitter.push(chunk)];
      } catch (error) {
        return fail(`${where}: ${(error as Error).message}`);
      }
      if (lines.length === 0) return;
      let first: ServerMessage;
      try {
        first = JSON.parse(lines[0]!) as ServerMessage;
      } catch {
        return fail(`${where} does not speak Vivarium's protocol: ${lines[0]!.slice(0, 80)}`);
      }
      if (first.type === 'refused') return fail(`${where} refused the connection: ${first.reason}`);
      if (first.type !== 'welcome') return fail(`${where} answered the hello with ${first.type}`);
      settled = true;
      socket.off('data', onData);
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      const session = new RemoteSession(socket, splitter, first, where);
      resolve(session);
      // Lines that came with the welcome.
      for (const line of lines.slice(1)) session.receive(line);
    };
    socket.on('data', onData);
  });
}

type Welcome = Extract<ServerMessage, { type: 'welcome' }>;

export class RemoteSession extends EventEmitter<RemoteEvents> implements SessionPort {
  readonly options: {
    memoryMB: number;
    colors: boolean;
    prelude: readonly { file: string; source: string }[];
  };
  readonly history: string[];
  /** The image's file name. */
  readonly image: string;
  /** This client's number (what others see in `changed`). */
  readonly client: number;
  /** The op table's version the server runs. */
  readonly protocol: number;
  readonly address: string;
  /** Resolves with the reason once the connection is gone. */
  readonly closed: Promise<string>;
  #state: ImageState;
  #quit = false;
  #detached = false;
  #nextId = 0;
  #gone: string | undefined;
  readonly #pending = new Map<number, (message: ServerMessage | undefined) => void>();
  readonly #socket: Socket;

  constructor(socket: Socket, splitter: LineSplitter, welcome: Welcome, address: string) {
    super();
    this.#socket = socket;
    // A served image starts from this checkout's stdlib too: the panel folds the same names.
    this.options = { memoryMB: welcome.memoryMB, colors: false, prelude: stdlibEntries() };
    this.history = welcome.history;
    this.image = welcome.image;
    this.client = welcome.client;
    this.protocol = welcome.protocol;
    this.address = address;
    this.#state = welcome.state;
    let closing = 'the server closed the connection';
    let done!: (reason: string) => void;
    this.closed = new Promise((resolve) => (done = resolve));
    socket.on('data', (chunk: Buffer) => {
      let lines: string[];
      try {
        lines = [...splitter.push(chunk)];
      } catch (error) {
        closing = (error as Error).message;
        return void socket.destroy();
      }
      for (const line of lines) {
        const message = this.receive(line);
        if (message?.type === 'closing') closing = `the server is stopping: ${message.reason}`;
      }
    });
    socket.on('error', (error) => (closing = error.message));
    socket.on('close', () => {
      if (this.#detached) closing = 'detached';
      this.#gone = closing;
      for (const answer of this.#pending.values()) answer(undefined);
      this.#pending.clear();
      done(closing);
      this.emit('close', closing);
    });
  }

  /** One line from the server (public for the lines that arrived with the welcome). */
  receive(line: string): ServerMessage | undefined {
    let message: ServerMessage;
    try {
      message = JSON.parse(line) as ServerMessage;
    } catch {
      return undefined;
    }
    switch (message.type) {
      case 'result':
      case 'reply':
      case 'status': {
        if (message.type !== 'reply') this.#state = message.state;
        const answer = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        answer?.(message);
        break;
      }
      case 'error':
        if (message.id !== undefined) {
          const answer = this.#pending.get(message.id);
          this.#pending.delete(message.id);
          answer?.(message);
        } else this.emit('notice', `the server: ${message.reason}`, undefined);
        break;
      case 'print':
        this.emit('print', message.stream, message.text);
        break;
      case 'notice':
        this.emit('notice', message.text, message.offer);
        break;
      case 'changed':
        this.#state = message.state;
        this.emit('changed', message.client, message.names);
        break;
      case 'progress':
        this.emit('progress', message.progress);
        break;
    }
    return message;
  }

  #call(message: ClientMessage & { id: number }): Promise<ServerMessage | undefined> {
    if (this.#gone !== undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#pending.set(message.id, resolve);
      this.#socket.write(frame(message));
    });
  }

  #disconnected(): Result {
    return {
      ok: false,
      error: { name: 'Disconnected', message: `not connected to ${this.address}: ${this.#gone}` },
      printed: [],
    };
  }

  /** An entry or a `:command`: one transaction in the served image. `:quit` detaches. */
  async submit(text: string): Promise<Result> {
    if (text.trim() !== '' && this.history[this.history.length - 1] !== text) {
      this.history.push(text);
    }
    const edit = /^:edit(?:\s+([\s\S]*))?$/.exec(text.trim());
    if (edit) return this.#edit((edit[1] ?? '').trim());
    const answer = await this.#call({ type: 'submit', id: ++this.#nextId, text });
    if (answer?.type === 'error') {
      return { ok: false, error: { name: 'ProtocolError', message: answer.reason }, printed: [] };
    }
    if (answer?.type !== 'result') return this.#disconnected();
    if (answer.detach) this.#quit = true;
    return answer.result;
  }

  /**
   * `:edit NAME` on an attached terminal: the editor runs here, on the client's machine and
   * terminal, on the source the server holds; the edited text goes back as one entry.
   */
  async #edit(name: string): Promise<Result> {
    const fail = (error: string, message: string): Result => ({
      ok: false,
      error: { name: error, message },
      printed: [],
    });
    if (!name) return fail('UsageError', 'usage: :edit NAME');
    const asked = await this.request({ op: 'history', name });
    if (asked.kind !== 'reply') return this.#disconnected();
    const info = asked.reply;
    if (!info.ok) return fail(info.error.name, info.error.message);
    const source = info.versions[info.current - 1]?.source ?? '';
    const edited = await editText(source + '\n', fileNames([name]).get(name)!);
    if ('error' in edited) return fail('EditError', edited.error);
    if (edited.text.trim() === source.trim()) {
      return { ok: true, value: `no change: ${name} stays at v${info.current}`, printed: [] };
    }
    return this.submit(edited.text);
  }

  /** A query op (defs, history, ps, frame, complete, inspect); others are refused. */
  async request<N extends SessionOpName>(request: Request<N>): Promise<Outcome<N>> {
    if (!REMOTE_OPS.includes(request.op as RemoteOpName)) {
      const message = `${request.op} is not asked remotely; entries go through submit`;
      return { kind: 'reply', reply: { ok: false, error: { name: 'RefusedOp', message } } };
    }
    const answer = await this.#call({
      type: 'ask',
      id: ++this.#nextId,
      request: request as Request<RemoteOpName>,
    });
    if (answer?.type === 'reply') return { kind: 'reply', reply: answer.reply as Reply<N> };
    return { kind: 'died', reason: `not connected to ${this.address}: ${this.#gone}` };
  }

  async heap(): Promise<{ used: number; limit: number }> {
    const answer = await this.#call({ type: 'status', id: ++this.#nextId });
    return answer?.type === 'status' ? answer.heap : { used: 0, limit: 0 };
  }

  interrupt(): void {
    if (this.#gone === undefined) this.#socket.write(frame({ type: 'interrupt' }));
  }

  /** Ending an attached session detaches it; the served image goes on. */
  requestQuit(): void {
    this.#quit = true;
  }

  /** The connection is open. */
  get connected(): boolean {
    return this.#gone === undefined;
  }

  get quitRequested(): boolean {
    return this.#quit;
  }

  get dirty(): boolean {
    return this.#state.dirty;
  }

  get changedSinceSave(): ReadonlySet<string> {
    return new Set(this.#state.changed);
  }

  get lastSaved(): Date | undefined {
    return this.#state.lastSaved ? new Date(this.#state.lastSaved) : undefined;
  }

  get readOnlyFile(): boolean {
    return this.#state.readOnly;
  }

  get imagePath(): string {
    return this.image;
  }

  onChange(listener: () => void): () => void {
    const onChanged = () => listener();
    this.on('changed', onChanged);
    return () => this.off('changed', onChanged);
  }

  /** Closes the connection at once, without waiting for what is on its way. */
  destroy(): void {
    this.#detached = true;
    this.#socket.destroy();
  }

  /** Closes the connection (the served image goes on). */
  close(): Promise<string> {
    this.#detached = true;
    this.#socket.end();
    return this.closed;
  }
}
