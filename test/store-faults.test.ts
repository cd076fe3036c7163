// Fault injection on the store: a short write, a write of nothing, ENOSPC, EIO, EPERM and EROFS at
// each write, fsync, rename, truncate and file creation the store makes (through an injected
// Disk), on real files. After each: every failure is an ImageFileError or ImageLockedError naming
// the file and the cause in words; what was acknowledged is on disk exactly once; what was
// refused is not; the journal never holds a partial line; and once the disk heals, the store
// works again.
//
// What is tested is the store's logic under injected faults, not the disk: the scratch files live
// in memory (a tmpfs, /dev/shm) where there is one, since on ext4 the thousands of fsyncs these
// scenarios make cost most of the file's time (kernel time) and show nothing more.
import { before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { ImageFileError, ImageStore, splitImageText } from '../src/session/store/image-file.ts';
import { journalLine, readJournal } from '../src/session/store/journal-read.ts';
import { nodeDisk } from '../src/session/store/disk.ts';
import { continuation } from '../src/session/store/journal-continue.ts';
import { ImageLockedError } from '../src/session/store/lock.ts';
import { FaultyDisk, scratchDirs } from './store-support.ts';
import type { Fault, Kind, Plan } from './store-support.ts';

const dir = scratchDirs('store-faults', { inMemory: true });

const entry = (n: number) => ({ type: 'entry', entry: n, source: `const v${n} = ${n}` });

/** A user-facing failure: the store's error types, a file named, the cause in words, no stack. */
function checkError(error: unknown, fault: Fault | null, where: string): void {
  assert.ok(
    error instanceof ImageFileError || error instanceof ImageLockedError,
    `${where}: not a store error: ${String((error as Error)?.stack ?? error)}`,
  );
  assert.doesNotMatch(error.message, /\n\s+at /, `${where}: a stack in the message`);
  assert.match(error.message, /x\.json/, `${where}: the file is not named: ${error.message}`);
  if (fault === null || fault === 'short') return;
  const cause =
    fault === 'zero'
      ? /the disk accepted 0 of \d+ bytes/
      : new RegExp(`\\((${fault === 'short+ENOSPC' ? 'ENOSPC' : fault})\\)`);
  assert.match(error.message, cause, `${where}: the cause is not named: ${error.message}`);
}

interface Outcome {
  acked: number[];
  failures: string[];
}

/** Where a run is: the scenario's step, or the check after it (see `watched`). */
interface Progress {
  step: string;
  /** The scenario's disk, then the real one of the check (without faults, to see its operations). */
  disks: FaultyDisk[];
}

/**
 * Opens, appends, saves (with entries appended after the snapshot's), appends concurrently with
 * a save, and closes, on `disk`. After the first failure the fault stays for one more step, then
 * the disk heals. Returns the entries whose append resolved; `progress` follows the step.
 */
async function scenario(
  disk: FaultyDisk,
  file: string,
  fault: Fault | null,
  progress: Progress = { step: '', disks: [] },
): Promise<Outcome> {
  const acked: number[] = [];
  const failures: string[] = [];
  let sinceFailure = -1;
  const note = (step: string, error: unknown) => {
    checkError(error, fault, `${step} [${disk.fired.join('; ')}]`);
    failures.push(`${step}: ${(error as Error).message}`);
    if (sinceFailure === -1) sinceFailure = 0;
  };
  let store: ImageStore | null = null;
  progress.step = 'open';
  for (let attempt = 0; attempt < 2 && !store; attempt++) {
    store = await ImageStore.open(file, { disk }).catch((error: unknown) => {
      note('open', error);
      disk.heal();
      return null;
    });
  }
  assert.ok(store, 'the store opens once the disk heals');
  const s = store;
  const append = (n: number) =>
    s.append(entry(n)).then(
      () => void acked.push(n),
      (error: unknown) => note(`append ${n}`, error),
    );
  const save = (upTo: number) => {
    const entries = acked.filter((n) => n <= upTo);
    return s.save(upTo, JSON.stringify({ entries })).catch((error: unknown) => {
      if (error instanceof TypeError) throw error;
      note(`save ${upTo}`, error);
    });
  };
  const steps: [string, () => Promise<unknown>][] = [
    ['append 1', () => append(1)],
    ['append 2', () => append(2)],
    ['append 3', () => append(3)],
    ['save 2', () => save(2)],
    ['save 3 with append 4', () => Promise.all([save(3), append(4)])],
    ['append 5', () => append(5)],
    ['append 6', () => append(6)],
    ['save 6', () => save(6)],
    ['append 7', () => append(7)],
  ];
  for (const [name, step] of steps) {
    progress.step = name;
    await step();
    progress.step = `reading the files after ${name}`;
    // As if the process were killed now: what reopening would find is what was acknowledged.
    if (!disk.plans.some((plan) => plan.kind === 'truncate')) {
      assert.deepEqual(await onDisk(file), acked, `after a step [${disk.fired.join('; ')}]`);
    }
    if (sinceFailure >= 0 && sinceFailure++ === 1) disk.heal();
  }
  disk.heal();
  progress.step = 'close';
  await s.close();
  return { acked, failures };
}

/** The real disk, whose reads are made synchronously (see onDisk). */
const syncReads = { ...nodeDisk, readFile: async (path: string) => fs.readFileSync(path) };

/**
 * The entries a reopening would find now (snapshot + journal), read without the lock. (Read
 * synchronously: it runs after each of the ~2,300 steps, and the store's own reads are tested
 * elsewhere; a read through the thread pool cost ~4 round trips each.)
 */
async function onDisk(file: string): Promise<number[]> {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  const split = text === null ? null : splitImageText(file, text);
  const contents = await readJournal(`${file}.journal`, { disk: syncReads });
  assert.equal(contents.torn, null, 'no partial line is on disk between steps');
  const lines = continuation(contents, split?.header ?? null);
  assert.ok(typeof lines !== 'string', String(lines));
  const snapshot = split ? (JSON.parse(split.payload) as { entries: number[] }).entries : [];
  return [...snapshot, ...lines.map((line) => line.entry!)];
}

/**
 * Reopens with the real disk (`disk`: one without faults, to see its operations): snapshot +
 * journal must be exactly the acknowledged entries.
 */
async function checkReopened(
  file: string,
  outcome: Outcome,
  what: string,
  disk = new FaultyDisk(),
): Promise<void> {
  const store = await ImageStore.open(file, { disk });
  try {
    assert.deepEqual(store.notices, [], `${what}: no torn line is ever left`);
    const snapshot = store.payload ? (JSON.parse(store.payload) as { entries: number[] }) : null;
    const entries = [
      ...(snapshot?.entries ?? []),
      ...store.journal.map((record) => (record as { entry: number }).entry),
    ];
    assert.deepEqual(
      entries,
      outcome.acked,
      `${what}: reopened ${JSON.stringify(entries)} but acknowledged ${JSON.stringify(outcome.acked)}; failures: ${outcome.failures.join(' | ')}`,
    );
  } finally {
    await store.close();
  }
  const left = fs.readdirSync(join(file, '..')).filter((name) => name !== 'x.json.journal');
  assert.deepEqual(
    left.filter((name) => name !== 'x.json'),
    [],
    `${what}: files left behind`,
  );
}

/**
 * Runs `run` (a scenario and its check, which take milliseconds) and, should it not finish, says
 * where it waits: every 30 s, and when the test is stopped (its timeout), on stderr and in the
 * test's diagnostics: the step, the disk operations started and not settled, the faults that
 * fired and the last operations. Nothing else: what passes is decided as before.
 */
async function watched<T>(
  t: TestContext,
  what: string,
  progress: Progress,
  run: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  const say = (when: string) => {
    const seconds = Math.round((Date.now() - started) / 1000);
    const pending = progress.disks.flatMap((disk) => [...disk.inFlight]);
    const text =
      `${what}: ${when} after ${seconds} s, at ${progress.step}; ` +
      `disk operations pending: ${pending.join('; ') || 'none'}; ` +
      `faults fired: ${progress.disks[0]?.fired.join('; ') || 'none'}; ` +
      `last operations: ${progress.disks.at(-1)?.log.slice(-8).join('; ')}`;
    process.stderr.write(`# ${text}\n`);
    return text;
  };
  const report = setInterval(() => t.diagnostic(say('not finished')), 30_000);
  report.unref();
  const stopped = () => say('stopped');
  t.signal.addEventListener('abort', stopped, { once: true });
  try {
    return await run();
  } finally {
    clearInterval(report);
    t.signal.removeEventListener('abort', stopped);
  }
}

const WRITE_FAULTS: Fault[] = ['short', 'zero', 'short+ENOSPC', 'ENOSPC', 'EIO', 'EPERM', 'EROFS'];
const OTHER_FAULTS: Fault[] = ['ENOSPC', 'EIO', 'EPERM', 'EROFS'];

describe('a fault at each operation the store makes', () => {
  // The operations a clean run makes, counted by kind: each one gets each fault in turn.
  const clean = new FaultyDisk();
  let counts: Record<Kind, number>;
  before(async () => {
    const file = join(dir(), 'x.json');
    const outcome = await scenario(clean, file, null);
    assert.deepEqual(outcome, { acked: [1, 2, 3, 4, 5, 6, 7], failures: [] });
    await checkReopened(file, outcome, 'clean run');
    counts = { ...clean.counts };
  });

  for (const kind of ['write', 'fsync', 'rename', 'truncate', 'create'] as Kind[]) {
    test(`at each ${kind}`, async (t) => {
      let runs = 0;
      for (let at = 1; at <= counts[kind]; at++) {
        for (const fault of kind === 'write' ? WRITE_FAULTS : OTHER_FAULTS) {
          const disk = new FaultyDisk([{ kind, at, fault }]);
          const file = join(dir(), 'x.json');
          const what = `${fault} at ${kind} #${at}`;
          const progress: Progress = { step: '', disks: [disk] };
          await watched(t, what, progress, async () => {
            const outcome = await scenario(disk, file, fault, progress);
            assert.ok(disk.fired.length > 0, `${what}: the fault fired`);
            if (fault === 'short')
              assert.deepEqual(outcome.failures, [], `${what}: a short write is retried`);
            const real = new FaultyDisk();
            [progress.step, progress.disks] = ['reopening with the real disk', [disk, real]];
            await checkReopened(file, outcome, what, real);
          });
          runs++;
        }
      }
      // A clean run truncates nothing: the truncate faults are covered below, after a failed write.
      if (kind !== 'truncate') assert.ok(runs > 0);
    });
  }

  test('a failed append whose cut fails too: later appends retry the cut, and are refused until it works', async (t) => {
    const journalWrites = clean.log
      .filter((line) => line.startsWith('write#') && line.endsWith('x.json.journal'))
      .map((line) => Number(/^write#(\d+)/.exec(line)![1]));
    const journalSyncs = clean.log
      .filter((line) => line.startsWith('fsync#') && line.endsWith('x.json.journal'))
      .map((line) => Number(/^fsync#(\d+)/.exec(line)![1]));
    assert.ok(journalWrites.length >= 5 && journalSyncs.length >= 5);
    const plans: [string, Plan[]][] = [
      ...journalWrites.map((at): [string, Plan[]] => [
        `ENOSPC at write #${at}, EIO at the cut`,
        [
          { kind: 'write', at, fault: 'short+ENOSPC' },
          { kind: 'truncate', at: 1, fault: 'EIO' },
        ],
      ]),
      ...journalSyncs.map((at): [string, Plan[]] => [
        `EIO at fdatasync #${at}, EIO at the cut`,
        [
          { kind: 'fsync', at, fault: 'EIO' },
          { kind: 'truncate', at: 1, fault: 'EIO' },
        ],
      ]),
    ];
    for (const [what, plan] of plans) {
      const disk = new FaultyDisk(plan);
      const file = join(dir(), 'x.json');
      const progress: Progress = { step: '', disks: [disk] };
      await watched(t, what, progress, async () => {
        const outcome = await scenario(disk, file, null, progress);
        const real = new FaultyDisk();
        [progress.step, progress.disks] = ['reopening with the real disk', [disk, real]];
        await checkReopened(file, outcome, what, real);
      });
    }
  });
});

test('disk full: the append fails with a clear message, the journal is as before, and appends work once there is room', async () => {
  const file = join(dir(), 'x.json');
  const disk = new FaultyDisk();
  const store = await ImageStore.open(file, { disk });
  await store.append(entry(1));
  const before = fs.readFileSync(`${file}.journal`);
  disk.plans = [{ kind: 'write', at: disk.counts.write + 1, fault: 'short+ENOSPC' }];
  const big = { ...entry(2), source: `let second = "${'x'.repeat(6000)}"` };
  await assert.rejects(store.append(big), (error: unknown) => {
    assert.ok(error instanceof ImageFileError);
    assert.equal(
      error.message,
      `${file}.journal: cannot append to it: no space left on device (ENOSPC)`,
    );
    return true;
  });
  assert.deepEqual(fs.readFileSync(`${file}.journal`), before, 'the partial line is cut back');
  await assert.rejects(store.append(entry(2)), /no space left on device \(ENOSPC\)/);
  assert.deepEqual(fs.readFileSync(`${file}.journal`), before);
  disk.heal();
  await store.append(entry(3));
  await store.close();
  const reopened = await ImageStore.open(file);
  assert.deepEqual(reopened.journal, [entry(1), entry(3)]);
  await reopened.close();
});

test('an immutable or read-only journal (EPERM, EROFS) refuses the entry and keeps the session usable', async () => {
  for (const code of ['EPERM', 'EROFS'] as const) {
    const file = join(dir(), 'x.json');
    const disk = new FaultyDisk();
    const store = await ImageStore.open(file, { disk });
    await store.append(entry(1));
    disk.plans = [{ kind: 'write', at: disk.counts.write + 1, fault: code }];
    await assert.rejects(
      store.append(entry(2)),
      new RegExp(`x\\.json\\.journal: cannot append to it: .* \\(${code}\\)$`),
    );
    disk.heal();
    await store.append(entry(3));
    await store.save(3, '{"entries":[1,3]}');
    await store.close();
    const reopened = await ImageStore.open(file);
    assert.deepEqual([reopened.payload, reopened.journal], ['{"entries":[1,3]}', []]);
    await reopened.close();
  }
});

test('a failed cut is reported, the next append retries it first, and nothing lands after a partial line', async () => {
  const file = join(dir(), 'x.json');
  const disk = new FaultyDisk();
  const store = await ImageStore.open(file, { disk });
  await store.append(entry(1));
  const before = fs.readFileSync(`${file}.journal`);
  disk.plans = [
    { kind: 'write', at: disk.counts.write + 1, fault: 'short+ENOSPC' },
    { kind: 'truncate', at: disk.counts.truncate + 1, fault: 'EIO' },
  ];
  await assert.rejects(
    store.append(entry(2)),
    /cannot append to it: no space left on device \(ENOSPC\); its partial line could not be removed yet \(i\/o error \(EIO\)\): the next append retries$/,
  );
  assert.ok(fs.readFileSync(`${file}.journal`).length > before.length, 'a partial line is there');
  await assert.rejects(
    store.append(entry(3)),
    /cannot append to it: an earlier append failed and its partial line cannot be removed \(i\/o error \(EIO\)\); no entry is written after it until it is$/,
  );
  disk.heal();
  await store.append(entry(4));
  assert.equal(
    fs.readFileSync(`${file}.journal`, 'utf8'),
    before.toString() + journalLine(entry(4)).bytes.toString(),
  );
  await store.close();
});
