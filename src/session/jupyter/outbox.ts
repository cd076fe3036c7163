// One send at a time per socket: zeromq refuses a send while another is in progress, so the
// kernel's replies and broadcasts on one socket are chained, in the order they were made.

/** One send at a time per socket (zeromq refuses a send while another is in progress). */
export class Outbox {
  #last: Promise<void> = Promise.resolve();
  readonly #socket: { send(frames: Buffer[]): Promise<void>; readonly closed: boolean };
  readonly #log: (text: string) => void;
  constructor(
    socket: { send(frames: Buffer[]): Promise<void>; readonly closed: boolean },
    log: (text: string) => void,
  ) {
    this.#socket = socket;
    this.#log = log;
  }
  send(frames: Buffer[]): Promise<void> {
    const send = () => (this.#socket.closed ? undefined : this.#socket.send(frames));
    this.#last = this.#last.then(send, send);
    return this.#last.catch((error: Error) => this.#log(`could not send: ${error.message}`));
  }
}
