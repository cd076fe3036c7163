// Every shipped image (built by `npm run images`) opens with this Vivarium and answers a query
// (a copy is opened in process, as batch mode opens it, and saved at the end).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.ts';
import { session, shown as values } from './support/session.ts';

const shipped: [string, string[], string[]][] = [
  [
    'ledger',
    ['ledger.accounts.map((a) => a.owner + ":" + a.balance)'],
    ["[ 'ada:125', 'bob:50' ]"],
  ],
  ['life', ['board.generation', 'board.render().split("\\n").length'], ['21', '13']],
  [
    'music',
    ['[sketch.bpm, sketch.patterns.length, sketch.patterns[3].accent(0)]'],
    ['[ 174, 4, true ]'],
  ],
];

for (const [name, queries, expected] of shipped) {
  test(`images/${name}.json opens and answers a query`, async () => {
    const dir = tempDir();
    try {
      const copy = join(dir.path, `${name}.json`);
      copyFileSync(fileURLToPath(new URL(`../images/${name}.json`, import.meta.url)), copy);
      const r = await session(queries, { image: copy });
      assert.equal(r.status, 0, r.stderr + JSON.stringify(r.results));
      assert.deepEqual(values(r).slice(0, expected.length), expected);
    } finally {
      dir.remove();
    }
  });
}
