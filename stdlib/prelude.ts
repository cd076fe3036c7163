// Loaded into every new image, as one entry: small helpers for live work in the REPL.
// (`once(value)` is built into the kernel: `const state = once({ ... })` keeps state on re-evaluation.)

/** Resolves after `ms` milliseconds: `await sleep(100)`. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The integers `start`, `start + 1`, ... below `end` (or 0 ... end - 1 with one argument). */
function range(start: number, end?: number, step = 1): number[] {
  if (end === undefined) [start, end] = [0, start];
  const out: number[] = [];
  for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(i);
  return out;
}
