// Environment variables a test sets in process.env (an editor, PATH, the terminal's size) and puts
// back when it ends, passed or failed: files that share a process (test/support/run-all.ts) must
// leave it as they found it.

/** Sets process.env's `vars`; `undefined` unsets one. */
export function setEnv(vars: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/** process.env's `keys` as they are now: the function returned puts them back so. */
export function savedEnv(keys: string[]): () => void {
  const saved = Object.fromEntries(keys.map((key) => [key, process.env[key]]));
  return () => setEnv(saved);
}
