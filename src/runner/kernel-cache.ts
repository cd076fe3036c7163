// The kernel's sources stripped of their types, and V8's code cache for them, kept on disk between
// runs. Stripping the kernel's ~50 modules (350 KB) with Node's stripper took 190-330 ms of every
// start, most of the time to the whole REPL (issue 12); reading them back takes a few ms. Entries
// are keyed by a hash of the source, so an edited kernel file is stripped again; they are written
// to a temporary file and renamed, and sealed with their hash, so a runner never uses half an
// entry or a damaged one. The cache is only a
// shortcut: any failure to read or write it falls back to stripping, and V8 checks (and may
// reject) the code cache itself.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { getCompileCacheDir, stripTypeScriptTypes } from 'node:module';
import { join } from 'node:path';

export interface KernelSource {
  code: string;
  /** V8's code cache for `code`, when one was kept. */
  cachedData?: ArrayBuffer;
  /** Call with the code cache V8 produced, to keep it (only when none was read). */
  keep?: (data: ArrayBuffer) => void;
}

/** Where entries go: under Node's compile cache (bin/viv.js turns it on), or nowhere. */
export function kernelCacheDir(): string | undefined {
  const base = getCompileCacheDir();
  return base ? join(base, 'vivarium-kernel') : undefined;
}

/** A kernel module's stripped source, from the cache when it has it. */
export function kernelSource(path: string, dir = kernelCacheDir()): KernelSource {
  const source = readFileSync(path, 'utf8');
  if (!dir) return { code: strip(source) };
  const key = hash(`${process.version}\0${source}`).slice(0, 32);
  const codeFile = join(dir, `${key}.js`);
  // V8's code cache depends on V8's version and flags: one per Node version.
  const dataFile = join(dir, `${key}-${process.version}-${process.arch}.v8`);
  let code = readChecked(codeFile);
  if (code === undefined) {
    code = strip(source);
    write(dir, codeFile, code + SEAL + hash(code));
  }
  try {
    const data = readFileSync(dataFile);
    return { code, cachedData: new Uint8Array(data).buffer };
  } catch {
    return { code, keep: (data) => write(dir, dataFile, Buffer.from(data)) };
  }
}

/** Ends a cached file: the hash of what precedes it (after the last line: no line moves). */
const SEAL = '\n//# viv-sha256=';

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** A cached stripped source, if it is there and whole (its seal matches). */
function readChecked(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const at = text.lastIndexOf(SEAL);
  if (at < 0) return undefined;
  const code = text.slice(0, at);
  return text.slice(at + SEAL.length) === hash(code) ? code : undefined;
}

function strip(source: string): string {
  return stripTypeScriptTypes(source);
}

function write(dir: string, file: string, data: string | Buffer): void {
  try {
    mkdirSync(dir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, data);
    renameSync(temp, file);
  } catch {
    // A read-only or full disk: the next start strips again.
  }
}
