// `viv jupyter --connection-file F`: a Jupyter kernel (messaging protocol 5.3 over ZeroMQ) on a
// KernelBackend. Shell requests are handled one at a time, in order; the control channel is read
// on its own, so an `interrupt_request` reaches a running entry (as Ctrl-C does) and a
// `shutdown_request` is answered even while the shell is busy. Every message is signed; one whose
// signature does not verify is dropped and logged, never handled. The answers to requests that
// only read the image are introspection.ts; a Result as Jupyter's outputs, replies.ts; signals
// and the starter's end, lifetime.ts.
import { randomUUID } from 'node:crypto';
import * as zmq from 'zeromq';
import type { Connection } from './connection.ts';
import { endpoint } from './connection.ts';
import type { KernelBackend } from './backend.ts';
import type { Result } from '../result.ts';
import type { Header, Message } from './wire.ts';
import { Signer, WireError, decode, encode, header } from './wire.ts';
import { cellText, executeOutput, isComplete } from './replies.ts';
import { completeReply, historyTail, inspectReply, kernelInfo } from './introspection.ts';
import type { Content } from './introspection.ts';
import { Outbox } from './outbox.ts';
import { watchLifetime } from './lifetime.ts';

function log(text: string): void {
  process.stderr.write(`viv jupyter: ${text}\n`);
}

export class JupyterKernel {
  readonly #session = randomUUID();
  readonly #signer: Signer;
  readonly #shell = new zmq.Router();
  readonly #control = new zmq.Router();
  readonly #stdin = new zmq.Router();
  readonly #iopub = new zmq.Publisher();
  readonly #hb = new zmq.Reply();
  readonly #out: Record<'shell' | 'control' | 'stdin' | 'iopub', Outbox>;
  #backend: KernelBackend;
  #count = 0;
  /** The request output between executions belongs to: the last execute_request. */
  #parent: Header | Record<string, never> = {};
  #done!: () => void;
  readonly #finished = new Promise<void>((resolve) => (this.#done = resolve));
  #closing = false;
  /** A cell failed while more requests waited: execute requests are aborted until none waits. */
  #aborting = false;

  private constructor(connection: Connection, backend: KernelBackend) {
    this.#signer = new Signer(connection.key, connection.signature_scheme);
    this.#backend = backend;
    for (const socket of [this.#shell, this.#control, this.#stdin, this.#iopub, this.#hb]) {
      socket.linger = 1000;
    }
    this.#out = {
      shell: new Outbox(this.#shell, log),
      control: new Outbox(this.#control, log),
      stdin: new Outbox(this.#stdin, log),
      iopub: new Outbox(this.#iopub, log),
    };
  }

  /**
   * Binds the five sockets and serves until a shutdown, `:quit`, SIGTERM, or the end of the
   * process that started the kernel (`parentPid`: a kernel whose manager died must not hold the
   * image's lock for ever; ipykernel watches its parent too). Resolves then.
   */
  static async run(
    connection: Connection,
    backend: KernelBackend,
    options: { parentPid?: number } = {},
  ): Promise<void> {
    let kernel: JupyterKernel;
    try {
      kernel = new JupyterKernel(connection, backend);
    } catch (error) {
      // The image is open: close it (and its runner), or the process would never end.
      await backend.close();
      throw error;
    }
    if (connection.key === '') {
      log(
        `the connection file has no key: messages are not signed, and anyone who can reach ${endpoint(connection, 'shell')} can run code in the image`,
      );
    }
    const sockets = [
      ['shell', kernel.#shell],
      ['control', kernel.#control],
      ['stdin', kernel.#stdin],
      ['iopub', kernel.#iopub],
      ['hb', kernel.#hb],
    ] as const;
    for (const [channel, socket] of sockets) {
      const address = endpoint(connection, channel);
      try {
        await socket.bind(address);
      } catch (error) {
        kernel.#closing = true;
        kernel.#closeSockets();
        await backend.close();
        throw new Error(
          `cannot bind the ${channel} socket to ${address}: ${(error as Error).message}`,
        );
      }
    }
    backend.onOutput((stream, text) => kernel.#stream(stream, text + '\n'));
    void kernel.#publish({}, 'status', { execution_state: 'starting' });
    void kernel.#serve('shell', kernel.#shell);
    void kernel.#serve('control', kernel.#control);
    void kernel.#serve('stdin', kernel.#stdin);
    void kernel.#heartbeat();
    log(`serving ${backend.description} on ${endpoint(connection, 'shell')} (shell)`);
    const stop = () => void kernel.#shutdown(false);
    const interrupt = () => kernel.#backend.interrupt();
    await watchLifetime(kernel.#finished, { stop, interrupt, log }, options.parentPid);
  }

  async #heartbeat(): Promise<void> {
    try {
      for await (const frames of this.#hb) await this.#hb.send(frames);
    } catch (error) {
      if (!this.#closing) log(`heartbeat stopped: ${(error as Error).message}`);
    }
  }

  /** Reads one ROUTER socket; its messages are handled in order of arrival. */
  async #serve(channel: 'shell' | 'control' | 'stdin', socket: zmq.Router): Promise<void> {
    try {
      for await (const frames of socket) {
        let message: Message;
        try {
          message = decode(frames, this.#signer);
        } catch (error) {
          if (!(error instanceof WireError)) throw error;
          log(`dropped a message on ${channel}: ${error.message}`);
          continue;
        }
        if (channel === 'stdin') continue; // input_reply: the kernel never asks for input
        // Shell requests that were waiting when a cell failed are aborted, not run.
        const aborted = channel === 'shell' && this.#aborting;
        if (channel === 'shell' && !socket.readable) this.#aborting = false;
        try {
          await this.#handle(channel, message, aborted);
        } catch (error) {
          log(`${message.header.msg_type} failed: ${(error as Error).stack ?? error}`);
        }
        // `:quit` in a cell ends the kernel as a shutdown does (the image is saved).
        if (this.#backend.quitRequested) await this.#shutdown(false);
        if (this.#closing) return;
      }
    } catch (error) {
      if (!this.#closing) log(`${channel} stopped: ${(error as Error).message}`);
    }
  }

  async #handle(channel: 'shell' | 'control', request: Message, aborted = false): Promise<void> {
    const type = request.header.msg_type;
    const reply = (content: Content) =>
      this.#reply(channel, request, type.replace(/_request$/, '_reply'), content);
    await this.#publish(request.header, 'status', { execution_state: 'busy' });
    try {
      await this.#dispatch(channel, request, reply, aborted);
    } catch (error) {
      // A failure of the kernel itself is still an answer, so that no client waits for ever.
      const evalue = (error as Error).message ?? String(error);
      log(`${type} failed: ${(error as Error).stack ?? error}`);
      await reply({ status: 'error', ename: 'InternalError', evalue, traceback: [evalue] });
    } finally {
      await this.#publish(request.header, 'status', { execution_state: 'idle' });
    }
  }

  async #dispatch(
    channel: 'shell' | 'control',
    request: Message,
    reply: (content: Content) => Promise<void>,
    aborted: boolean,
  ): Promise<void> {
    const type = request.header.msg_type;
    switch (type) {
      case 'kernel_info_request':
        return await reply(await kernelInfo(this.#backend));
      case 'execute_request':
        return await this.#execute(request, reply, aborted);
      case 'is_complete_request':
        return await reply(isComplete(String(request.content.code ?? '')));
      case 'complete_request':
        return await reply(await completeReply(this.#backend, request.content));
      case 'inspect_request':
        return await reply(await inspectReply(this.#backend, request.content));
      case 'history_request':
        return await reply({ status: 'ok', history: historyTail(this.#backend, request.content) });
      case 'comm_info_request':
        return await reply({ status: 'ok', comms: {} });
      case 'interrupt_request':
        this.#backend.interrupt();
        return await reply({ status: 'ok' });
      case 'shutdown_request': {
        const restart = request.content.restart === true;
        await this.#shutdown(restart, () => reply({ status: 'ok', restart }));
        return;
      }
      default:
        log(`${type} on ${channel} is not supported: ignored`);
    }
  }

  /** A cell's text as an entry; `:edit` would open an editor nobody sees from a notebook. */
  #submit(text: string): Promise<Result> {
    if (/^:edit(\s|$)/.test(text.trim())) {
      const message =
        ':edit opens a terminal editor, which a notebook has none of: put the definition in a cell (:history NAME shows its source), edit it there and run it';
      return Promise.resolve({ ok: false, error: { name: 'EditError', message }, printed: [] });
    }
    return this.#backend.submit(text);
  }

  async #execute(
    request: Message,
    reply: (content: Content) => Promise<void>,
    aborted: boolean,
  ): Promise<void> {
    // Cells already queued when one failed are not run (stop_on_error, as ipykernel does).
    if (aborted) return reply({ status: 'aborted', execution_count: this.#count });
    const code = String(request.content.code ?? '');
    const silent = request.content.silent === true;
    if (!silent && request.content.store_history !== false) this.#count++;
    const count = this.#count;
    this.#parent = request.header;
    if (!silent) {
      await this.#publish(request.header, 'execute_input', { code, execution_count: count });
    }
    const text = cellText(code);
    const output = text.trim() === '' ? {} : executeOutput(await this.#submit(text));
    if (output.stdout && !silent) await this.#stream('out', output.stdout, request.header);
    if (output.value !== undefined && !silent) {
      await this.#publish(request.header, 'execute_result', {
        execution_count: count,
        data: { 'text/plain': output.value },
        metadata: {},
      });
    }
    if (output.error) {
      // The requests waiting now were sent before anyone saw this error.
      if (request.content.stop_on_error !== false) this.#aborting = this.#shell.readable;
      await this.#publish(request.header, 'error', output.error);
      await reply({ status: 'error', execution_count: count, ...output.error });
    } else {
      await reply({ status: 'ok', execution_count: count, payload: [], user_expressions: {} });
    }
  }

  /** Saves and closes the image, answers (when asked by a message), then stops serving. */
  async #shutdown(restart: boolean, answer?: () => Promise<void>): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#backend.interrupt();
    await this.#backend.close();
    await answer?.();
    if (restart) log('shutdown for a restart: the image is saved; the kernel manager reopens it');
    this.#closeSockets();
    this.#done();
  }

  #closeSockets(): void {
    for (const socket of [this.#shell, this.#control, this.#stdin, this.#iopub, this.#hb]) {
      socket.close();
    }
  }

  #reply(
    channel: 'shell' | 'control',
    request: Message,
    type: string,
    content: Content,
  ): Promise<void> {
    return this.#out[channel].send(
      encode(this.#signer, {
        identities: request.identities,
        header: header(this.#session, type),
        parent: request.header,
        content,
      }),
    );
  }

  #publish(parent: Message['parent'], type: string, content: Content): Promise<void> {
    if (this.#iopub.closed) return Promise.resolve();
    return this.#out.iopub.send(
      encode(this.#signer, {
        identities: [Buffer.from(`kernel.${this.#session}.${type}`)],
        header: header(this.#session, type),
        parent,
        content,
      }),
    );
  }

  /** Printed text on iopub, under `parent` (by default the last execute_request). */
  #stream(stream: 'out' | 'err', text: string, parent = this.#parent): Promise<void> {
    return this.#publish(parent, 'stream', {
      name: stream === 'err' ? 'stderr' : 'stdout',
      text,
    });
  }
}
