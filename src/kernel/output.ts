// What the guest prints, within a budget: no entry or timer can grow the host without bound by
// printing (DESIGN, semantics 9). An entry keeps at most ENTRY_LINES lines and ENTRY_BYTES of
// output with its reply; what prints between entries (timers, ticks) leaves at most TURN_LINES
// lines per call into the kernel. The rest is dropped and counted, and the count is said once.
import type { GuestNotice } from '../shared/notices.ts';
import { Promise } from './primordials.ts';
import { $push, $slice, $then } from './primordials-methods.ts';

export const ENTRY_LINES = 10_000;
export const ENTRY_BYTES = 1 << 20;
export const TURN_LINES = 1_000;

export class Output {
  readonly #send: (notice: GuestNotice) => void;
  /** The entry being evaluated keeps its lines here (undefined between entries). */
  #lines: string[] | undefined;
  #bytes = 0;
  #droppedInEntry = 0;
  /** Replaying: nothing printed goes out. */
  quiet = false;
  #turnLines = 0;
  #droppedInTurn = 0;
  #turnScheduled = false;

  constructor(send: (notice: GuestNotice) => void) {
    this.#send = send;
  }

  /** An entry starts collecting its output. */
  begin(quiet: boolean): void {
    this.#lines = [];
    this.#bytes = 0;
    this.#droppedInEntry = 0;
    this.quiet = quiet;
  }

  get collecting(): boolean {
    return this.#lines !== undefined;
  }

  /** The entry's lines (with a line saying how many were dropped); collecting stops. */
  end(): string[] {
    const lines = this.#lines ?? [];
    if (this.#droppedInEntry) {
      $push(
        lines,
        `(${this.#droppedInEntry} more line${this.#droppedInEntry === 1 ? '' : 's'} of output dropped: an entry keeps at most ${ENTRY_LINES} lines or ${ENTRY_BYTES >> 20} MB)`,
      );
    }
    this.#lines = undefined;
    this.quiet = false;
    return lines;
  }

  /** The lines so far, without ending (a held entry keeps them). */
  peek(): string[] | undefined {
    return this.#lines;
  }

  print(stream: 'out' | 'err', text: string): void {
    const lines = this.#lines;
    if (lines) {
      if (lines.length >= ENTRY_LINES || this.#bytes + text.length > ENTRY_BYTES) {
        this.#droppedInEntry++;
        return;
      }
      this.#bytes += text.length;
      $push(lines, text);
      return;
    }
    if (this.quiet) return;
    this.#turn();
    if (this.#turnLines >= TURN_LINES) {
      this.#droppedInTurn++;
      return;
    }
    this.#turnLines++;
    this.#send({
      type: 'print',
      stream,
      text: text.length > ENTRY_BYTES ? $slice(text, 0, ENTRY_BYTES) : text,
    });
  }

  /** Counts lines per turn (until the microtasks of this call into the kernel have run). */
  #turn(): void {
    if (this.#turnScheduled) return;
    this.#turnScheduled = true;
    $then(Promise.resolve(), () => {
      this.#turnScheduled = false;
      this.#turnLines = 0;
      if (this.#droppedInTurn) {
        const n = this.#droppedInTurn;
        this.#droppedInTurn = 0;
        this.#send({
          type: 'print',
          stream: 'err',
          text: `(${n} more line${n === 1 ? '' : 's'} of output dropped: at most ${TURN_LINES} leave in one timer or tick)`,
        });
      }
    });
  }
}
