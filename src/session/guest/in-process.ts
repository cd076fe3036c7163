// The guest inside the session's own process: the same runner core, no process boundary. For
// tests of the kernel and the engine, which then run in milliseconds. (Vivarium itself always
// runs the guest in a child process: isolated-vm can abort a whole process on some out-of-memory
// cases, its issue #527.)
import type { Request, SessionOpName } from '../../shared/ops.ts';
import { GuestRunner } from '../../runner/core.ts';
import type { GuestConnection, GuestOptions, Outcome } from './guest.ts';

export class InProcessGuest implements GuestConnection {
  readonly #runner: GuestRunner;
  readonly died: Promise<string>;
  #announce!: (reason: string) => void;
  #retired = false;
  culprit: string | undefined;

  constructor(options: GuestOptions) {
    this.died = new Promise((resolve) => (this.#announce = resolve));
    this.#runner = new GuestRunner({
      memoryMB: options.memoryMB,
      onNotice: (notice) => queueMicrotask(() => options.onNotice(notice)),
      onDeath: (reason, tick) => {
        this.culprit = tick;
        this.#announce(reason);
        if (!this.#retired) queueMicrotask(() => options.onDeath?.(reason));
      },
    });
  }

  static async start(options: GuestOptions): Promise<InProcessGuest> {
    return new InProcessGuest(options);
  }

  get alive(): boolean {
    return this.#runner.dead === undefined;
  }

  request<N extends SessionOpName>(request: Request<N>, bound = 0): Promise<Outcome<N>> {
    return this.#runner.request(request, bound);
  }

  interrupt(): void {
    this.#runner.interrupt();
  }

  configure(callbackMs: number): void {
    this.#runner.configure(callbackMs);
  }

  heap(): Promise<{ used: number; limit: number }> {
    return this.#runner.heap();
  }

  kill(): void {
    this.#retired = true;
    void this.#runner.dispose();
    this.#announce('the guest was closed');
  }

  async close(): Promise<void> {
    this.kill();
    await this.#runner.dispose();
  }
}
