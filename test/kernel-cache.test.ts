// The runner's cache of stripped kernel sources (a faster start, issue 12): it serves exactly what
// stripping gives, strips an edited source again, and never uses a damaged entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enableCompileCache, stripTypeScriptTypes } from 'node:module';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelSource } from '../src/runner/kernel-cache.ts';
import { tempDir } from './helpers.ts';

test('kernelSource(path) caches the stripped source, strips an edited one again, ignores damage', () => {
  const dir = tempDir();
  try {
    const cache = join(dir.path, 'cache');
    enableCompileCache(cache);
    const file = join(dir.path, 'k.ts');
    const v1 = 'export const a: number = 1;\nexport function f(x: string): string { return x }\n';
    writeFileSync(file, v1);
    const expected = stripTypeScriptTypes(v1);
    const first = kernelSource(file);
    assert.equal(first.code, expected);
    first.keep?.(new Uint8Array([1, 2, 3]).buffer);
    const entries = () => readdirSync(join(cache, readdirSync(cache)[0]!, 'vivarium-kernel'));
    const [js] = entries().filter((f) => f.endsWith('.js'));
    assert.ok(js, 'the stripped source was kept');
    const second = kernelSource(file);
    assert.equal(second.code, expected, 'served from the cache as stripped');
    assert.deepEqual([...new Uint8Array(second.cachedData!)], [1, 2, 3], 'the code cache too');

    // A damaged entry (here: cut short) is stripped again, not used.
    const path = join(cache, readdirSync(cache)[0]!, 'vivarium-kernel', js);
    writeFileSync(path, 'export const a = 2;');
    assert.equal(kernelSource(file).code, expected);

    // An edited source is a new entry.
    const v2 = v1.replace('= 1', '= 7');
    writeFileSync(file, v2);
    assert.equal(kernelSource(file).code, stripTypeScriptTypes(v2));
    assert.equal(entries().filter((f) => f.endsWith('.js')).length, 2);
  } finally {
    dir.remove();
  }
});
