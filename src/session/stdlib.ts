// The standard library: every file of `stdlib/` is one entry, evaluated into a new image.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const STDLIB = fileURLToPath(new URL('../../stdlib/', import.meta.url));

export function stdlibEntries(): { file: string; source: string }[] {
  return readdirSync(STDLIB)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((file) => ({ file, source: readFileSync(STDLIB + file, 'utf8') }));
}
