// The caches that make starting faster (issue 12): the runner's stripped kernel sources and the
// session's compiled scripts of an image's versions. Each serves exactly what it caches, makes a
// new entry for an edited source, and never uses a damaged entry.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { enableCompileCache, getCompileCacheDir, stripTypeScriptTypes } from 'node:module';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelSource } from '../src/runner/kernel-cache.ts';
import { compileForRestore } from '../src/session/compile/compiled-cache.ts';
import { analyze } from '../src/session/compile/analyze.ts';
import { rewrite } from '../src/session/compile/rewrite.ts';
import { tempDir } from './helpers.ts';

// Node's compile cache (under which both caches live) can be turned on once per process.
const scratch = tempDir();
enableCompileCache(join(scratch.path, 'cache'));
after(() => scratch.remove());

test('kernelSource(path) caches the stripped source, strips an edited one again, ignores damage', () => {
  const cache = join(scratch.path, 'cache');
  const file = join(scratch.path, 'k.ts');
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
});

test('compileForRestore(source, name) serves what rewrite(analyze(source)) gives, cached and checked', () => {
  const source =
    'class P { constructor(public x: number) {} get double(): number { return this.x * 2 } }';
  const expected = rewrite(analyze(source), { sourceName: 'P@v1' }).code;
  assert.equal(compileForRestore(source, 'P@v1'), expected);
  assert.equal(compileForRestore(source, 'P@v1'), expected, 'from the cache');
  assert.equal(
    compileForRestore(source, 'P@v2'),
    rewrite(analyze(source), { sourceName: 'P@v2' }).code,
    'the name is part of the key (it is in the script)',
  );
  // Damage every entry: each is compiled again, not used.
  const cached = join(getCompileCacheDir()!, 'vivarium-compiled');
  for (const f of readdirSync(cached)) writeFileSync(join(cached, f), 'globalThis.hacked = 1');
  assert.equal(compileForRestore(source, 'P@v1'), expected);
});
