// Progress of long work inside one kernel call (a migration over many instances, encoding or
// decoding a large heap). The isolate cannot yield in the middle, but it can tell the host how far
// it is: every PROGRESS_STEP items it sends a notice that the terminal shows.
export const PROGRESS_STEP = 1 << 16;

let report: (what: string, done: number, total?: number) => void = () => {};

export function setProgressReporter(fn: typeof report): void {
  report = fn;
}

/** Call on every item; reports when `done` is a multiple of PROGRESS_STEP. */
export function progress(what: string, done: number, total?: number): void {
  if ((done & (PROGRESS_STEP - 1)) === 0 && done > 0) report(what, done, total);
}
