// The guest's clocks on the runner's side: the Node timers behind the guest's setTimeout and
// setInterval (the kernel says when to set or clear one), and the one timer that wakes the kernel
// when the earliest process tick is due. When one fires, the runner's core runs the callback.
import type { GuestNotice } from '../shared/notices.ts';
import type { Request } from '../shared/ops.ts';

export class GuestTimers {
  readonly #run: (request: Request<'run' | 'timer'>) => void;
  readonly #timers = new Map<number, NodeJS.Timeout>();
  #wakeTimer: NodeJS.Timeout | undefined;

  /** `run`: the guest's callback for a timer that fired, or the process ticks now due. */
  constructor(run: (request: Request<'run' | 'timer'>) => void) {
    this.#run = run;
  }

  /** The kernel set or cleared a timer. */
  timer(notice: Extract<GuestNotice, { type: 'timer' }>): void {
    clearTimeout(this.#timers.get(notice.id));
    this.#timers.delete(notice.id);
    if (notice.action === 'set') {
      const timer = setTimeout(() => {
        this.#timers.delete(notice.id);
        this.#run({ op: 'timer', id: notice.id });
      }, notice.delay);
      this.#timers.set(notice.id, timer);
    }
  }

  /** The one timer that wakes the kernel when the earliest process tick is due (`dead`: none). */
  wakeAt(at: number, dead: boolean): void {
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    if (at < 0 || dead) return;
    this.#wakeTimer = setTimeout(
      () => {
        this.#wakeTimer = undefined;
        this.#run({ op: 'run' });
      },
      Math.max(0, at - performance.now()),
    );
  }

  /** Every timer cleared (the isolate is disposed). */
  clear(): void {
    clearTimeout(this.#wakeTimer);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
