// `:rollback`, `:diff` and `:history` without loopholes: a rollback walks the version tree one
// version at a time (upgrades forward, downgrades back) or refuses, judged over every step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { session, shown } from './support/session.ts';

/** A copy of the shipped ledger image (Account at v1 of 3, after a rollback). */
function ledger(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'viv-history-')), 'ledger.json');
  copyFileSync(new URL('../images/ledger.json', import.meta.url), path);
  return path;
}

test(':rollback to a later version runs the upgrades in between, in order', async () => {
  const run = await session(
    [':rollback Account 3', 'ledger.accounts.map(String)', 'Object.keys(ledger.accounts[0])'],
    { image: ledger(), noSave: true },
  );
  assert.deepEqual(shown(run), [
    'Account is now at v3',
    "[ 'ada: 125.00 EUR', 'bob: 50.00 EUR' ]",
    "[ 'owner', 'currency', 'cents' ]",
  ]);
});

test(':rollback to an earlier version runs the first downgrade met, which goes the rest of the way', async () => {
  const run = await session(
    [':rollback Account 3', ':rollback Account 1', 'JSON.stringify(ledger.accounts)'],
    {
      image: ledger(),
      noSave: true,
    },
  );
  assert.equal(shown(run)[1], 'Account is now at v1');
  assert.equal(shown(run)[2], `'[{"owner":"ada","balance":125},{"owner":"bob","balance":50}]'`);
});

const ACCT = [
  'class Acct { constructor(public n: number) {} }',
  'const a = new Acct(1)',
  'class Acct { declared = 0; constructor(public n: number) {} static upgrade(x: any) { x.extra = 1 } }',
  'class Acct { declared = 0; constructor(public n: number) {} }',
];

test('a rollback is refused when any version on the way cannot be undone, naming it', async () => {
  const run = await session([...ACCT, ':rollback Acct 1', 'a', ':defs']);
  const refusal = shown(run)[4]!;
  assert.match(
    refusal,
    /^!RollbackError: cannot roll back Acct from v3 to v1 \(the way from v3 goes through v2\): v2 migrated its instances with static upgrade \(it added extra\) and declares no static downgrade/,
  );
  assert.match(refusal, /Nothing was changed\.$/);
  // Only fields an upgrade actually added are named: `declared` is a field initialiser of v2.
  assert.doesNotMatch(refusal, /declared/);
  assert.equal(shown(run)[5], 'Acct { n: 1, extra: 1 }');
  assert.match(shown(run)[6]!, /Acct\s+class\s+v3/);
});

test('a rollback that passes only versions without migrations is allowed', async () => {
  const run = await session([...ACCT, ':rollback Acct 2', 'a', ':rollback Acct 3']);
  assert.deepEqual(shown(run).slice(4), [
    'Acct is now at v2',
    'Acct { n: 1, extra: 1 }',
    'Acct is now at v3',
  ]);
});

test(':diff NAME after a rollback compares the version rolled back from with the current one', async () => {
  const run = await session(
    [':rollback Account 3', ':diff Account', ':rollback Account 1', ':diff Account'],
    {
      image: ledger(),
      noSave: true,
    },
  );
  assert.match(shown(run)[1]!, /^--- Account v1\n\+\+\+ Account v3\n/);
  assert.match(shown(run)[3]!, /^--- Account v3\n\+\+\+ Account v1\n/);
});

test(':diff NAME of a first version says there is nothing earlier', async () => {
  const run = await session(['function f() { return 1 }', ':diff f']);
  assert.equal(
    shown(run)[1],
    '!UsageError: f v1 has no earlier version to compare with (:diff f A B compares any two)',
  );
});

test(':rollback across branches goes down to the common version, then up the other branch', async () => {
  const run = await session([
    'class B { constructor(public n: number) {} }',
    'const b = new B(1)',
    'class B { constructor(public n: number) {} static upgrade(x: any, from: number) { x.a = from } static downgrade(x: any) { delete x.a } }',
    ':rollback B 1',
    'class B { constructor(public n: number) {} static upgrade(x: any) { x.c = 3 } static downgrade(x: any, to: number) { delete x.c; x.downTo = to } }',
    'b',
    ':rollback B 2',
    'b',
  ]);
  assert.deepEqual(shown(run).slice(5), [
    'B { n: 1, c: 3 }',
    'B is now at v2',
    'B { n: 1, downTo: 1, a: 1 }',
  ]);
});
