// Output between entries reaches the session at most PRINT_RATE lines a second (a timer that
// prints without end must not grow the session without bound); the rest is dropped, and how many
// is said once a second.
import type { SessionNotice } from '../shared/notices.ts';

/** Lines of output between entries that reach the session in one second, at most. */
const PRINT_RATE = 2000;

type PrintNotice = Extract<SessionNotice, { type: 'print' }>;

export class PrintLimit {
  readonly #forward: (notice: PrintNotice) => void;
  #printWindow = 0;
  #printsInWindow = 0;
  #printsDropped = 0;

  constructor(forward: (notice: PrintNotice) => void) {
    this.#forward = forward;
  }

  print(notice: PrintNotice): void {
    const now = performance.now();
    if (now - this.#printWindow >= 1000) {
      if (this.#printsDropped) {
        const n = this.#printsDropped;
        this.#forward({
          type: 'print',
          stream: 'err',
          text: `(${n} line${n === 1 ? '' : 's'} of output dropped: at most ${PRINT_RATE} a second reach the session)`,
        });
      }
      this.#printWindow = now;
      this.#printsInWindow = 0;
      this.#printsDropped = 0;
    }
    if (this.#printsInWindow >= PRINT_RATE) {
      this.#printsDropped++;
      return;
    }
    this.#printsInWindow++;
    this.#forward(notice);
  }
}
