// The caches that make starting faster (issue 12): the runner's stripped kernel sources and the
// session's compiled scripts of an image's versions. Each serves exactly what it caches, makes a
// new entry for an edited source, and never uses a damaged entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripTypeScriptTypes } from 'node:module';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelSource } from '../src/runner/kernel-cache.ts';
import { compileForRestore } from '../src/session/compile/compiled-cache.ts';
import { analyze } from '../src/session/compile/analyze.ts';
import { rewrite } from '../src/session/compile/rewrite.ts';
import { tempDir } from './helpers.ts';

test('kernelSource(path, dir) caches the stripped source, strips an edited one again, ignores damage', () => {
  const scratch = tempDir();
  try {
    const cache = join(scratch.path, 'cache');
    const file = join(scratch.path, 'k.ts');
    const v1 = 'export const a: number = 1;\nexport function f(x: string): string { return x }\n';
    writeFileSync(file, v1);
    const expected = stripTypeScriptTypes(v1);
    const first = kernelSource(file, cache);
    assert.equal(first.code, expected);
    first.keep?.(new Uint8Array([1, 2, 3]).buffer);
    const sources = () => readdirSync(cache).filter((f) => f.endsWith('.js'));
    assert.equal(sources().length, 1, 'the stripped source was kept');
    const second = kernelSource(file, cache);
    assert.equal(second.code, expected, 'served from the cache as stripped');
    assert.deepEqual([...new Uint8Array(second.cachedData!)], [1, 2, 3], 'the code cache too');

    // A damaged entry (here: other code, no seal) is stripped again, not used.
    writeFileSync(join(cache, sources()[0]!), 'export const a = 2;');
    assert.equal(kernelSource(file, cache).code, expected);

    // An edited source is a new entry.
    const v2 = v1.replace('= 1', '= 7');
    writeFileSync(file, v2);
    assert.equal(kernelSource(file, cache).code, stripTypeScriptTypes(v2));
    assert.equal(sources().length, 2);
  } finally {
    scratch.remove();
  }
});

test('compileForRestore(source, name, dir) serves what rewrite(analyze(source)) gives, cached and checked', () => {
  const scratch = tempDir();
  try {
    const cache = join(scratch.path, 'compiled');
    const source =
      'class P { constructor(public x: number) {} get double(): number { return this.x * 2 } }';
    const expected = rewrite(analyze(source), { sourceName: 'P@v1' }).code;
    assert.equal(compileForRestore(source, 'P@v1', cache), expected);
    assert.equal(readdirSync(cache).length, 1, 'kept');
    assert.equal(compileForRestore(source, 'P@v1', cache), expected, 'from the cache');
    assert.equal(
      compileForRestore(source, 'P@v2', cache),
      rewrite(analyze(source), { sourceName: 'P@v2' }).code,
      'the name is part of the key (it is in the script)',
    );
    // Damage every entry: each is compiled again, not used.
    for (const f of readdirSync(cache)) writeFileSync(join(cache, f), 'globalThis.hacked = 1');
    assert.equal(compileForRestore(source, 'P@v1', cache), expected);
  } finally {
    scratch.remove();
  }
});
