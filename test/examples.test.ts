// The shipped examples run through the real CLI and show what they claim, so they never rot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { run } from './helpers.ts';

const example = (name: string) =>
  readFileSync(new URL(`../examples/${name}`, import.meta.url), 'utf8');

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { ok: boolean; value?: string; error?: { name: string } });

test('examples/hot-functions.ts: a timer picks up a redefinition', async () => {
  const r = await run(['--batch', '--json'], example('hot-functions.ts'));
  assert.equal(r.status, 0, r.stdout);
  assert.ok(jsonLines(r.stdout).some((x) => x.value === 'true'));
});

test('examples/ledger.ts: two migrations, a dry run and a rollback', async () => {
  const r = await run(['--batch', '--json'], example('ledger.ts'));
  assert.equal(r.status, 0, r.stdout);
  const shown = jsonLines(r.stdout).map((x) => x.value);
  assert.ok(shown.includes("[ 'ada: 125.00 EUR', 'bob: 50.00 EUR' ]"));
  assert.equal(
    shown.at(-1),
    "[\n  Account { owner: 'ada', balance: 125 },\n  Account { owner: 'bob', balance: 50 }\n]",
  );
});

test('examples/transactions.ts: the failing migration changes nothing', async () => {
  const r = await run(['--batch', '--json'], example('transactions.ts'));
  const results = jsonLines(r.stdout);
  assert.equal(results[2]!.error!.name, 'MigrationError');
  assert.equal(results[3]!.value, "[ undefined, [ 'id', 'reading' ] ]");
});
