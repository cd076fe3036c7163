// The guest as a runner child process: requests with replies, notices, interrupts, and a clear
// report when the process dies (out of memory, killed, anything else).
import type { ChildProcess } from 'node:child_process';
import type { Request, SessionOpName } from '../../shared/ops.ts';
import { wedgedReport } from '../../shared/wedged.ts';
import type { ParentMessage, RunnerMessage } from '../../shared/runner-messages.ts';
import { spawnRunner } from './spawn.ts';
import type { Runner } from './spawn.ts';
import type { GuestConnection, GuestOptions, Outcome } from './guest.ts';

/** How long a closed runner has to exit by itself. */
const CLOSE_GRACE_MS = 3000;

export class ChildGuest implements GuestConnection {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (outcome: Outcome) => void>();
  readonly #heap = new Map<number, (h: { used: number; limit: number }) => void>();
  #nextId = 1;
  readonly #stderr: () => string;
  readonly #memoryMB: number;
  #alive = true;
  /** Set when the session itself ends or replaces this process: its exit is no news. */
  #retired = false;
  readonly died: Promise<string>;
  /** Why the runner said it is dying (it exits right after saying so). */
  #reason: string | undefined;
  /** The process whose tick was running when the runner died. */
  #tick: string | undefined;

  private constructor(runner: Runner, options: GuestOptions) {
    const child = runner.child;
    this.#child = child;
    this.#stderr = runner.stderr;
    this.#memoryMB = options.memoryMB;
    let announce!: (reason: string) => void;
    this.died = new Promise((resolve) => (announce = resolve));
    child.on('message', (message: RunnerMessage) => this.#onMessage(message, options));
    // 'close', not 'exit': the runner's stderr (where V8 says it ran out of memory) is read by then.
    child.on('close', (code, signal) => {
      this.#alive = false;
      const wedged = this.#reason ? undefined : wedgedReport(this.#stderr());
      if (wedged) this.#tick = wedged.tick;
      const reason = this.#reason ?? wedged?.reason ?? this.#deathReason(code, signal);
      announce(reason);
      const waiting = [...this.#pending.values()];
      this.#pending.clear();
      for (const resolve of waiting) resolve({ kind: 'died', reason });
      // A heap question the runner will never answer (asked just as it died): no heap, as a
      // runner that is gone answers below; left waiting, it held the entry's save for ever.
      const asked = [...this.#heap.values()];
      this.#heap.clear();
      for (const resolve of asked) resolve({ used: 0, limit: this.#memoryMB * 1024 * 1024 });
      if (waiting.length === 0 && !this.#retired) options.onDeath?.(reason);
    });
  }

  /** Starts a runner (or takes the prestarted one) and waits until its kernel is loaded. */
  static async start(options: GuestOptions): Promise<ChildGuest> {
    let runner = options.prestarted;
    if (runner && (runner.memoryMB !== options.memoryMB || runner.child.exitCode !== null)) {
      runner.child.kill('SIGKILL');
      runner = undefined;
    }
    runner ??= spawnRunner(options.memoryMB);
    const guest = new ChildGuest(runner, options);
    await runner.ready;
    return guest;
  }

  get alive(): boolean {
    return this.#alive;
  }

  get culprit(): string | undefined {
    return this.#tick;
  }

  request<N extends SessionOpName>(request: Request<N>, bound = 0): Promise<Outcome<N>> {
    if (!this.#alive) {
      return Promise.resolve({ kind: 'died', reason: this.#reason ?? 'the guest is not running' });
    }
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve as (outcome: Outcome) => void);
      this.#send({ type: 'request', id, request: request as Request<SessionOpName>, bound });
    });
  }

  interrupt(): void {
    this.#send({ type: 'interrupt' });
  }

  configure(callbackMs: number): void {
    this.#send({ type: 'configure', callbackMs });
  }

  heap(): Promise<{ used: number; limit: number }> {
    if (!this.#alive) return Promise.resolve({ used: 0, limit: this.#memoryMB * 1024 * 1024 });
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#heap.set(id, resolve);
      this.#send({ type: 'heap', id });
    });
  }

  kill(): void {
    this.#retired = true;
    if (this.#alive) this.#child.kill('SIGKILL');
  }

  /** Ends the runner and waits for it to be gone. */
  close(): Promise<void> {
    this.#retired = true;
    if (!this.#alive) return Promise.resolve();
    return new Promise((resolve) => {
      // A runner whose main thread is wedged never sees the disconnect: it is killed.
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), CLOSE_GRACE_MS);
      this.#child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#child.disconnect();
    });
  }

  #send(message: ParentMessage): void {
    // A runner that has just died can still look connected (its 'disconnect' not yet seen): the
    // write then fails (EPIPE), and without a callback that failure was an 'error' event nobody
    // handled, which ended the session (Ctrl-D while an image opened, then Ctrl-C). Its 'close'
    // says it died; the failed write adds nothing.
    if (this.#alive && this.#child.connected) this.#child.send(message, () => {});
  }

  #onMessage(message: RunnerMessage, options: GuestOptions): void {
    switch (message.type) {
      case 'notice':
        return options.onNotice(message.notice);
      case 'heap':
        this.#heap.get(message.id)?.({ used: message.used, limit: message.limit });
        this.#heap.delete(message.id);
        return;
      case 'outcome': {
        const resolve = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        return resolve?.(message.outcome);
      }
      case 'died':
        this.#reason = message.reason;
        this.#tick = message.tick;
        return;
    }
  }

  #deathReason(code: number | null, signal: NodeJS.Signals | null): string {
    if (/memory/i.test(this.#stderr())) {
      return `the isolate ran out of memory (limit ${this.#memoryMB} MB)`;
    }
    if (signal) return `the guest process was killed by ${signal}`;
    return `the guest process exited with code ${code}`;
  }
}
