// SHA-256 and random hex, with node:crypto taken at the first use: importing it loads ~50 of Node's
// modules (4 ms with Node's snapshot, ~12 ms in the runner, which starts without it), which most
// starts of the REPL and the runner never need before they are drawn or ready.

/** The SHA-256 (hex) of a text's UTF-8 bytes. */
export function sha256(text: string): string {
  return process
    .getBuiltinModule('node:crypto')
    .createHash('sha256')
    .update(text, 'utf8')
    .digest('hex');
}

/** `bytes` random bytes, in hex. */
export function randomHex(bytes: number): string {
  return process.getBuiltinModule('node:crypto').randomBytes(bytes).toString('hex');
}
