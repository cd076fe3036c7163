// Lose nothing, provably (issue 8): shown means durable, a failed replay never wipes an image,
// reopening reproduces the session, failed means not committed, opening always finishes, and a
// closed output or a signal ends a session cleanly. Crashes (SIGKILL), signals, a closed output,
// out of memory, exit statuses and the lock against another process go through the real CLI;
// reopening an image afterwards, a session that only needs to leave its journal unsaved, and what
// batch mode's own parts do (runBatch reading and printing, the autosave, the save on the way
// out, --skip-entry's record) run in process, through the same engine, store and a real isolate.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { batch, CLI, cliEnv, startCli, tempDir, withImage } from './helpers.ts';
import { session, shown, until, waitFor } from './support/session.ts';
import { Engine } from '../src/session/engine/engine.ts';
import { openSession } from '../src/session/open-session.ts';
import { InProcessGuest } from '../src/session/guest/in-process.ts';
import type { Store } from '../src/session/engine/engine.ts';
import { openStore } from '../src/session/store/store.ts';
import { validateRecord } from '../src/session/engine/journal-records.ts';
import { finalSave, skipEntry, startAutosave } from '../src/session/image-upkeep.ts';
import { runBatch } from '../src/session/batch.ts';
import { stdlibEntries } from '../src/session/stdlib.ts';

/** Runs entries, then SIGKILLs the CLI once they have all been answered. */
async function runThenKill(image: string, entries: string[], args: string[] = []) {
  const cli = startCli(['--batch', '--json', '--image', image, '--autosave', '0', ...args]);
  cli.child.stdin.write(
    entries.map((e) => (e.includes('\n') ? `:{\n${e}\n:}` : e)).join('\n') + '\n',
  );
  await cli.waitForLines(entries.length);
  cli.child.kill('SIGKILL');
  await cli.closed;
  return cli.lines().map((l) => JSON.parse(l) as { ok: boolean; value?: string; warning?: string });
}

/**
 * Batch mode without --json in process (batch.ts runBatch, as viv --batch runs it): raw input
 * split into entries and the results written as the CLI writes them, through a real isolate.
 * `timeoutMs` and `runForMs` as --timeout and --run-for give them (cli.ts); `stderr` is what the
 * CLI writes there (what processes and timers report).
 */
async function batchInProcess(
  input: string,
  { timeoutMs, runForMs = 0 }: { timeoutMs?: number; runForMs?: number } = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  let stderr = '';
  let stdout = '';
  const engine = await openSession({
    guest: InProcessGuest.start,
    prelude: stdlibEntries(),
    ...(timeoutMs ? { timeoutMs, openTimeoutMs: timeoutMs } : {}),
    onPrint: (stream, text) => {
      if (stream === 'err') stderr += text + '\n';
      else stdout += text + '\n';
    },
    onProcess: ({ message }) => (stderr += `viv: ${message}\n`),
    onRevive: (message) => (stderr += `viv: ${message}\n`),
  });
  const output = new PassThrough().setEncoding('utf8');
  output.on('data', (d: string) => (stdout += d));
  try {
    const status = await runBatch(engine, {
      json: false,
      input: Readable.from([Buffer.from(input)]),
      output,
    });
    if (runForMs > 0 && !engine.quitRequested) await new Promise((r) => setTimeout(r, runForMs));
    return { status, stdout, stderr };
  } finally {
    await engine.close();
  }
}

/** Resolves once the image's journal holds `text` (the begin record of an entry is on disk before
 * it runs): the entry is running, however slow the machine. */
async function untilJournaled(image: string, text: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  const journal = `${image}.journal`;
  while (!(existsSync(journal) && readFileSync(journal, 'utf8').includes(text))) {
    if (Date.now() > deadline) throw new Error(`${journal} never held ${text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * One CLI run, SIGKILLed once every entry has been answered, for the four crash tests below: their
 * entries do not depend on each other, and a CLI start (a session and its runner) costs more CPU
 * than any of them. It runs with --timeout 400 (two of them need a bound: they run past it blocked
 * in Atomics.wait rather than looping, stopped by it all the same, without the runner spinning a
 * core for 0.8 s, which a CPU count of the test misses: the killed CLI's runner is not reaped by
 * it). The entries stopped by the bound come first: the snapshot saved right after them is
 * followed by the others', which reach the reopened image through the journal alone, as a crash
 * leaves them. Each test reopens a copy of the files as the killed process left them.
 */
const crashEntries = {
  bound: [
    'const list = [1, 2, 3]',
    'list.push(7); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)',
    'const len = list.length',
    'len',
  ],
  failed: [
    "let g = 'g1'",
    'const arr = [1, 2, 3]',
    "arr.push(4); g = 'g2'; globalThis.cfg = { port: 1 }; throw new Error('x')",
    'g',
    'const n = arr.length',
    'typeof cfg',
  ],
  draws: [
    'const r = [Math.random(), Math.random()]',
    'const t = [Date.now(), new Date().getTime(), performance.now(), typeof Date()]',
    'const later = Array.from({ length: 3 }, () => Math.floor(Math.random() * 1e9))',
    'JSON.stringify([r, t, later])',
  ],
  printed: [
    "const kept = 1; ({ [Symbol.for('nodejs.util.inspect.custom')]() { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0) } })",
    'kept + 1',
  ],
};
let crashed: Promise<{ dir: string; killed: Awaited<ReturnType<typeof runThenKill>> }> | undefined;
const crashDir = tempDir();
after(() => crashDir.remove());

/** The results of `part`'s entries in the shared crash run, and a copy of the image it left. */
async function afterCrash<T>(
  part: keyof typeof crashEntries,
  body: (killed: Awaited<ReturnType<typeof runThenKill>>, image: string) => Promise<T>,
): Promise<T> {
  crashed ??= (async () => {
    const all = Object.values(crashEntries).flat();
    const killed = await runThenKill(join(crashDir.path, 'img.json'), all, ['--timeout', '400']);
    return { dir: crashDir.path, killed };
  })();
  const { dir, killed } = await crashed;
  const parts = Object.keys(crashEntries) as (keyof typeof crashEntries)[];
  const at = parts
    .slice(0, parts.indexOf(part))
    .reduce((sum, name) => sum + crashEntries[name].length, 0);
  const copy = tempDir();
  try {
    cpSync(dir, copy.path, { recursive: true });
    return await body(
      killed.slice(at, at + crashEntries[part].length),
      join(copy.path, 'img.json'),
    );
  } finally {
    copy.remove();
  }
}

test('an entry stopped by its bound is saved right after, so what later entries showed survives a crash', async () => {
  await afterCrash('bound', async (killed, image) => {
    assert.equal(killed[1]!.ok, false);
    assert.equal(killed[3]!.value, '4');
    const reopened = await session(['len', 'list'], { image });
    assert.deepEqual(shown(reopened), ['4', '[ 1, 2, 3, 7 ]']);
  });
});

test('a failed entry keeps the changes it made inside older objects, and only those, across a crash', async () => {
  await afterCrash('failed', async (killed, image) => {
    assert.equal(killed[2]!.ok, false);
    assert.equal(killed[3]!.value, "'g1'", 'the failed entry gave back the binding it assigned');
    assert.equal(killed[5]!.value, "'undefined'", 'and the global it added');
    const reopened = await session(['arr', 'g', 'n', 'typeof cfg'], { image });
    assert.deepEqual(shown(reopened), ['[ 1, 2, 3, 4 ]', "'g1'", '4', "'undefined'"]);
  });
});

test('what an entry drew from Math.random and the clocks is the same after a crash', async () => {
  await afterCrash('draws', async (killed, image) => {
    const reopened = await session(['JSON.stringify([r, t, later])'], { image });
    assert.equal(reopened.results[0]!.value, killed[3]!.value);
    assert.ok(new Date() instanceof Date && Date.prototype === Object.getPrototypeOf(new Date()));
  });
});

test('an entry whose value cannot be printed is accepted, and says so, and survives a crash', async () => {
  await afterCrash('printed', async (killed, image) => {
    assert.equal(killed[0]!.ok, true);
    assert.match(
      killed[0]!.warning!,
      /^accepted; printing its value failed: it ran longer than 400 ms/,
    );
    assert.equal(killed[1]!.value, '2');
    const reopened = await session(['kept'], { image });
    assert.deepEqual(shown(reopened), ['1']);
  });
});

test('an entry still running when the process was killed is not replayed, and opening says so', async () => {
  await withImage(async (image) => {
    const cli = startCli(['--batch', '--json', '--image', image, '--autosave', '0']);
    cli.child.stdin.write('const before = 1\nawait new Promise(() => {})\n');
    await cli.waitForLines(1);
    await untilJournaled(image, 'await new Promise(() => {})');
    cli.child.kill('SIGKILL');
    await cli.closed;
    const reopened = await session(['before'], { image });
    assert.equal(reopened.status, 0);
    assert.deepEqual(shown(reopened), ['1']);
    assert.match(
      reopened.stderr,
      /entry \d+ \(await new Promise\(\(\) => \{\}\)\) never finished .*it was not applied/,
    );
  });
});

test('an image whose snapshot needs more memory than --memory: a clear error, exit 2, files untouched', async () => {
  await withImage(async (image) => {
    const first = await session(
      // 20 MB in one string: more than a 16 MB isolate holds, and quick to snapshot (an array of
      // as many bytes of numbers takes a second and a half of CPU to encode and decode).
      ['const small = 1', ':save', "const hog = 'x'.repeat(20_000_000)", 'const after = 2'],
      { image, memoryMB: 512 },
    );
    assert.equal(first.status, 0, first.stderr);
    const saved = readFileSync(image);
    const journal = `${image}.journal`;
    const before = existsSync(journal) ? readFileSync(journal) : undefined;
    // Reopening with too little memory for the snapshot itself is a clear error, exit 2.
    const tooSmall = await batch(['1'], ['--image', image, '--memory', '16']);
    assert.equal(tooSmall.status, 2);
    assert.match(tooSmall.stderr, /needs more memory than --memory 16 MB/);
    assert.doesNotMatch(tooSmall.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(readFileSync(image), saved, 'the image is untouched');
    if (before) assert.deepEqual(readFileSync(journal), before, 'the journal is untouched');
  });
});

test('an entry that ran out of memory once stops the replay under a smaller limit; nothing is overwritten', async () => {
  await withImage(async (image) => {
    const setup = await session(['const small = 1', ':save'], { image });
    assert.equal(setup.status, 0, setup.stderr);
    // Journaled after the snapshot, without a final save (as if killed): replay must rebuild it.
    // 24 MB of doubles: more than a 16 MB isolate holds.
    const journaled = await session(
      ['const hog = new Array(3_000_000).fill(0.5)', 'const after = 2'],
      { image, memoryMB: 512, noSave: true },
    );
    assert.equal(journaled.status, 0, journaled.stderr);
    const imageBytes = readFileSync(image);
    const journalBytes = readFileSync(`${image}.journal`);
    const stopped = await batch(['after'], ['--image', image, '--memory', '16']);
    assert.equal(stopped.status, 2);
    assert.match(stopped.stderr, /Replay of .* stopped at entry \d+: const hog/);
    assert.match(stopped.stderr, /when it ran: ok/);
    assert.match(stopped.stderr, /--skip-entry \d+/);
    assert.deepEqual(readFileSync(image), imageBytes, 'the image file is untouched');
    assert.deepEqual(readFileSync(`${image}.journal`), journalBytes, 'the journal is untouched');
    // With enough memory, the same image opens with everything.
    const full = await session(['hog.length', 'after'], { image, memoryMB: 512, noSave: true });
    assert.deepEqual(shown(full), ['3000000', '2']);
  });
});

test('--skip-entry leaves a replayed entry out for good, and the rest replays', async () => {
  await withImage(async (image) => {
    await session(['let n = 1', 'n = 2', 'n = n * 10'], { image, noSave: true });
    const journal = readFileSync(`${image}.journal`, 'utf8');
    const entry = /"entry":(\d+),"op":"entry","source":"n = 2"/.exec(journal)![1];
    // As viv --skip-entry N does (cli.ts): the skip is journaled, then the image opens; the flag
    // itself goes through viv below, where it names an entry the journal does not hold.
    const store = await openStore(image, { validate: validateRecord });
    await skipEntry(store, Number(entry));
    await store.close();
    const skipped = await session(['n'], { image });
    assert.deepEqual(shown(skipped), ['10']);
    assert.match(skipped.stderr, new RegExp(`entry ${entry} \\(n = 2\\) is left out`));
    const again = await session(['n'], { image, noSave: true });
    assert.deepEqual(shown(again), ['10'], 'left out for good');
    const bad = await batch(['n'], ['--image', image, '--skip-entry', '999']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /holds no entry 999/);
  });
});

test('opening always finishes: a looping revive hook, transient initialiser and process tick are stopped', async () => {
  await withImage(async (image) => {
    const setup = await session(
      [
        'let spin = false',
        'class Conn { static revive(c: Conn) { while (spin) {} } }',
        'const conns = [new Conn()]',
        'const cache = transient(() => { while (spin) {} return 1 })',
        // Made again (armed) when the image opens: the ticks loop after reopening, not in this
        // session, where each would loop until stopped while it saves and closes (~1 s of CPU).
        'const gate = transient(() => ({ armed: true }))',
        'gate.armed = false',
        'function step(s: any) { while (spin && gate.armed) {} }',
        "spawn('looper', { every: 50, step })",
        'spin = true',
        ':save',
      ],
      // A small bound: every loop here runs until it is stopped by it.
      { image, timeoutMs: 200 },
    );
    assert.equal(setup.status, 0, setup.stderr);
    const started = Date.now();
    const tickStopped = /looper: .*ran longer than 200 ms and was stopped/;
    const reopened = await session(
      ['conns.length', waitFor((stderr) => tickStopped.test(stderr)), 'spin = false'],
      { image, timeoutMs: 200 },
    );
    assert.equal(reopened.status, 0, reopened.stderr);
    assert.deepEqual(shown(reopened), ['1', 'false']);
    assert.match(reopened.stderr, /Conn\.revive ran past the opening bound and was stopped/);
    assert.match(reopened.stderr, /transient initialiser of cache ran past the opening bound/);
    assert.match(reopened.stderr, tickStopped);
    assert.ok(Date.now() - started < 15_000);
  });
});

test('a runaway timer and a runaway tick are stopped; batch mode never hangs', async () => {
  // In process (runBatch and --run-for as cli.ts runs them): what stops them is the engine's.
  const result = await batchInProcess(
    [
      'setTimeout(() => { for (;;) {} }, 10); 1',
      'function spinStep() { for (;;) {} }',
      "spawn('spinner', { every: 50, step: spinStep, maxRestarts: 0 }); 2",
    ].join('\n') + '\n',
    // (A small bound: each runaway spins until it stops it.)
    { timeoutMs: 250, runForMs: 2000 },
  );
  assert.equal(result.status, 0);
  assert.deepEqual(result.stdout.trim().split('\n'), ['1', 'spinStep: function v1', '2']);
  assert.match(
    result.stderr,
    /timer #\d+ .*ran longer than 250 ms and was stopped; the timer was cleared/,
  );
  assert.match(result.stderr, /spinner: .*ran longer than 250 ms and was stopped.* It stopped/);
});

test('entries and saves never race: an entry typed while a snapshot is taken lands after it', async () => {
  const appended: object[] = [];
  let release!: () => void;
  const saving = new Promise<void>((r) => (release = r));
  const store: Store = {
    path: '/nowhere/img.json',
    payload: null,
    savedEntry: 0,
    journal: [],
    async append(record) {
      appended.push(record);
    },
    async save() {
      appended.push({ type: 'snapshot' });
      await saving;
    },
    async close() {},
  };
  const engine = await Engine.open({ store, guest: InProcessGuest.start });
  try {
    await engine.submit('const log = once([] as string[])');
    const save = engine.save();
    await new Promise((r) => setTimeout(r, 50));
    const entry = engine.submit("log.push('b')");
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      !appended.some((r) => JSON.stringify(r).includes("log.push('b')")),
      'the entry waits',
    );
    release();
    await save;
    assert.equal((await entry).value, '1');
    const kinds = appended.map((r) => (r as { type: string }).type);
    assert.ok(kinds.lastIndexOf('snapshot') < kinds.lastIndexOf('begin'), 'the entry came after');
    assert.equal(engine.dirty, true, 'the entry after the save is unsaved');
  } finally {
    await engine.close();
  }
});

test('an entry accepted while autosave runs is never lost on a clean exit', async () => {
  // In process, as viv's batch mode runs it (cli.ts): the autosave timer, batch mode reading
  // entries, and the save on the way out, through the real engine, store and isolate. The race is
  // forced instead of hoped for: the autosave's write to the store is held until the next entry
  // has been read and waits for it, and input has ended.
  await withImage(async (image) => {
    await session(['const log = once([] as string[])'], { image });
    const store = await openStore(image, { validate: validateRecord });
    let entered!: () => void;
    const saving = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let saves = 0;
    const write = store.save.bind(store);
    store.save = async (...args) => {
      if (++saves === 1) {
        entered();
        await held;
      }
      return write(...args);
    };
    const engine = await openSession({ store, guest: InProcessGuest.start });
    const input = new PassThrough();
    const output = new PassThrough().setEncoding('utf8');
    let out = '';
    output.on('data', (d: string) => (out += d));
    // What batch mode hands to the engine, seen as it is handed over.
    const submitted: string[] = [];
    const port = {
      submit: (text: string, analysis?: Parameters<typeof engine.submit>[1]) => {
        submitted.push(text);
        return engine.submit(text, analysis);
      },
      get quitRequested() {
        return engine.quitRequested;
      },
    };
    const timer = startAutosave(engine, 0.01);
    let status: number;
    let saved: number;
    try {
      const batched = runBatch(port, { json: true, input, output });
      input.write("log.push('a')\n");
      await saving;
      assert.match(out, /"value":"1"/, "the autosave saves what log.push('a') did");
      input.end("log.push('b')\n");
      while (!submitted.includes("log.push('b')")) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 20));
      assert.ok(
        !readFileSync(`${image}.journal`, 'utf8').includes("log.push('b')"),
        'the entry waits for the autosave',
      );
      release();
      status = await batched;
    } finally {
      release();
      clearInterval(timer);
      saved = await finalSave(engine);
      await engine.close();
    }
    assert.equal(status, 0, out);
    assert.equal(saved, 0, 'the save on the way out succeeded');
    assert.ok(saves >= 1);
    const reopened = await session(['log.slice(-2)'], { image });
    assert.deepEqual(shown(reopened), ["[ 'a', 'b' ]"]);
  });
});

test('a closed standard output ends batch mode with a message, saving the image', async () => {
  await withImage(async (image) => {
    const entries = Array.from({ length: 3000 }, (_, i) => `${i}`).join('\n') + '\n';
    const child = spawn(process.execPath, [CLI, '--batch', '--image', image, '--autosave', '0'], {
      env: cliEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    child.stdin.on('error', () => {});
    child.stdin.end('const x = 41\n' + entries);
    const status = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(status, 1);
    assert.match(stderr, /standard output was closed \(EPIPE\)/);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    const reopened = await session(['x + 1'], { image });
    assert.deepEqual(shown(reopened), ['42']);
  });
});

for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} stops the running entry, saves and releases the lock, like Ctrl-D`, async () => {
    const dir = tempDir();
    try {
      const image = join(dir.path, 'img.json');
      const cli = startCli(['--batch', '--json', '--image', image, '--autosave', '0']);
      cli.child.stdin.write('const kept = 7\nawait new Promise(() => {})\n');
      await cli.waitForLines(1);
      await untilJournaled(image, 'await new Promise(() => {})');
      cli.child.kill(signal);
      const status = await cli.closed;
      assert.equal(status, signal === 'SIGTERM' ? 143 : 129);
      assert.ok(!existsSync(`${image}.lock`), 'the lock is released');
      const text = readFileSync(image, 'utf8');
      assert.match(text, /kept/, 'the image was saved');
      const reopened = await session(['kept'], { image });
      assert.deepEqual(shown(reopened), ['7']);
    } finally {
      dir.remove();
    }
  });
}

test('a journal record from an older Vivarium (entry + rejected) still replays', async () => {
  await withImage(async (image) => {
    await session(['const base = 1', ':save'], { image });
    const marker = readFileSync(`${image}.journal`, 'utf8').split('\n')[0];
    writeFileSync(
      `${image}.journal`,
      [
        marker,
        JSON.stringify({ type: 'entry', entry: 50, source: 'const old = base + 1' }),
        JSON.stringify({ type: 'entry', entry: 51, source: 'const rejected = 1' }),
        JSON.stringify({ type: 'rejected', entry: 51 }),
      ].join('\n') + '\n',
    );
    appendFileSync(`${image}.journal`, '');
    const reopened = await session(['old', 'typeof rejected'], { image });
    assert.deepEqual(shown(reopened), ['2', "'undefined'"]);
  });
});

test('two paths to one image (a symlink, ..) never give two writers', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'img.json');
    symlinkSync(image, join(dir.path, 'link.json'));
    // The holder is this process (its store takes the lock as viv's does); the others are viv.
    const store = await openStore(image, { validate: validateRecord });
    const holder = await openSession({ store, guest: InProcessGuest.start });
    try {
      assert.equal((await holder.submit('const a = 1')).ok, true);
      for (const other of [
        join(dir.path, 'link.json'),
        join(dir.path, '.', '..', basename(dir.path), 'img.json'),
      ]) {
        const second = await batch(['1'], ['--image', other]);
        assert.equal(second.status, 2, other);
        assert.match(
          second.stderr,
          new RegExp(`is open in another Vivarium process \\(pid ${process.pid}\\)`),
        );
      }
    } finally {
      await holder.saveOnQuit();
      await holder.close();
    }
  } finally {
    dir.remove();
  }
});

test('damage is reported with the file and the place, exit 2, files untouched, never a stack trace', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'img.json');
    await session(['const a = 1', ':save'], { image });
    await session(['const b = 2', 'const c = 3'], { image, noSave: true });
    const journal = `${image}.journal`;
    const good = { image: readFileSync(image), journal: readFileSync(journal) };
    const restore = () => {
      writeFileSync(image, good.image);
      writeFileSync(journal, good.journal);
    };
    const cases: [string, () => void, RegExp][] = [
      [
        'a journal of NUL bytes',
        () => writeFileSync(journal, Buffer.alloc(400)),
        /img\.json\.journal: line 1 .*400 NUL bytes/,
      ],
      [
        'a record without its source',
        () =>
          writeFileSync(
            journal,
            good.journal.toString().replace('"source":"const c = 3"', '"sauce":"const c = 3"'),
          ),
        /img\.json\.journal: line \d+ .*entry record without its "source"/,
      ],
      [
        'a snapshot with a byte changed',
        () => {
          const text = good.image.toString();
          const at = text.indexOf('"definitions"') + 3;
          writeFileSync(image, text.slice(0, at) + 'X' + text.slice(at + 1));
        },
        /img\.json: is damaged \(its snapshot does not match the checksum in its header\)/,
      ],
    ];
    for (const [what, damage, message] of cases) {
      restore();
      damage();
      const before = { image: readFileSync(image), journal: readFileSync(journal) };
      const opened = await batch(['1'], ['--image', image]);
      assert.equal(opened.status, 2, what);
      assert.match(opened.stderr, message, what);
      assert.doesNotMatch(opened.stderr, /\n\s+at /, `${what}: no stack trace`);
      assert.deepEqual(readFileSync(image), before.image, `${what}: the image is untouched`);
      assert.deepEqual(readFileSync(journal), before.journal, `${what}: the journal is untouched`);
    }
    // A journal cut short (a crash mid-append, or damage): the last line is set aside, said so.
    restore();
    writeFileSync(journal, good.journal.subarray(0, good.journal.length - 10));
    const cut = await session(['a', 'b', 'typeof c'], { image });
    assert.equal(cut.status, 0);
    assert.deepEqual(shown(cut), ['1', '2', "'undefined'"]);
    assert.match(cut.stderr, /its last line \(\d+ bytes\) is incomplete.*Set aside in .*\.torn-/);
    assert.ok(
      readdirSync(dir.path).some((f) => f.includes('.journal.torn-')),
      'the copy is kept',
    );
  } finally {
    dir.remove();
  }
});

test('replay hands back draws made in timers the entry awaits, and ticks do not shift its numbers', async () => {
  await withImage(async (image) => {
    // Unsaved at the end, as a crash leaves it: the journal alone brings it back.
    const first = await session(
      [
        'const t1 = await new Promise<number>((r) => setTimeout(() => r(Date.now()), 10))',
        'function noise(s: any) { Math.random() }',
        "spawn('noise', { every: 1, step: noise })",
        'const r1 = await (async () => { await sleep(40); return Math.random() })()',
        ':stop noise',
        'const polls = (() => { const t0 = Date.now(); let n = 0; while (Date.now() - t0 < 15) n++; return n })()',
        "const when = new Intl.DateTimeFormat('en', { timeStyle: 'medium', timeZone: 'UTC' }).format()",
        'const origin = performance.timeOrigin',
        'JSON.stringify([t1, r1, polls, when, origin])',
      ],
      { image, noSave: true },
    );
    assert.equal(first.status, 0, JSON.stringify(first.results.filter((r) => !r.ok)));
    const reopened = await session(['JSON.stringify([t1, r1, polls, when, origin])'], { image });
    assert.equal(reopened.results[0]!.value, first.results[8]!.value);
  });
});

test('timers are not brought back by replaying the journal (as after a clean reopen)', async () => {
  await withImage(async (image) => {
    // Unsaved at the end, as a crash leaves it: the journal alone brings it back.
    const first = await session(
      [
        'const c = once({ n: 0 })',
        'setInterval(() => { c.n++ }, 20); 0',
        `${until('c.n >= 3')}; 1`,
      ],
      { image, noSave: true },
    );
    assert.deepEqual(shown(first), ['undefined', '0', '1']);
    // Ten periods of the interval: a timer brought back would have counted.
    const reopened = await session(['const a = c.n', 'await sleep(200); c.n === a'], { image });
    assert.deepEqual(shown(reopened).slice(1), ['true']);
  });
});

test('a journal whose operations are out of order, doubled or carry hostile draws is damage: exit 2', async () => {
  await withImage(async (image) => {
    await session(['const a = 1', 'const b = Date.now()'], { image, noSave: true });
    const journal = `${image}.journal`;
    const good = readFileSync(journal, 'utf8');
    const lines = good.trimEnd().split('\n');
    const cases: [string, string, RegExp][] = [
      ['a begin twice', [...lines, lines[lines.length - 2]!].join('\n') + '\n', /./],
      [
        'clock readings that are not numbers',
        good.replace(/"clock":\[[^\]]*\]/, '"clock":["not a time",1]'),
        /readings that are not numbers/,
      ],
    ];
    for (const [what, text, message] of cases) {
      if (text === good) continue;
      writeFileSync(journal, text);
      const opened = await batch(['a'], ['--image', image]);
      assert.equal(opened.status, 2, `${what}: ${opened.stderr}`);
      assert.match(opened.stderr, message, what);
      assert.doesNotMatch(opened.stderr, /\n\s+at /, `${what}: no stack trace`);
      assert.equal(readFileSync(journal, 'utf8'), text, `${what}: untouched`);
    }
  });
});

test('batch mode splits entries at newlines only: U+2028, U+2029 and a lone CR stay in the entry', async () => {
  const r = await batchInProcess('const s = `a\u2028b\u2029c\rd`; s.length\n:{\nconst never = 1\n');
  assert.deepEqual(r.stdout.trim().split('\n'), [
    '7',
    'Uncaught SyntaxError: the input ended inside a :{ group (1 line, no :} line): it was not run',
  ]);
  assert.equal(r.status, 1);
});

test('a tick that always runs past its bound stops the process by its restart intensity', async () => {
  const stopped = /spin: .*It stopped: 4 crashes within 5 s/;
  const r = await session(
    [
      // Blocked for good rather than looping: past its bound all the same, without spinning a
      // core for the 4 x 200 ms it takes to stop it.
      'function spin(s: any) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0) }',
      "spawn('spin', { every: 100, step: spin })",
      waitFor((stderr) => stopped.test(stderr), 20_000),
    ],
    { timeoutMs: 200 },
  );
  assert.match(r.stderr, stopped);
});

test('a thrown non-Error reads as Node shows it', async () => {
  const r = await batchInProcess("throw 'str'\n");
  assert.match(r.stdout, /^Uncaught 'str'$/m);
});

test('an outcome that cannot be journaled rolls the entry back and refuses entries until a save', async () => {
  const appended: { type: string }[] = [];
  let failOutcomes = true;
  const store: Store = {
    path: '/nowhere/img.json',
    payload: null,
    savedEntry: 0,
    journal: [],
    async append(record) {
      if (record.type === 'outcome' && failOutcomes) throw new Error('no space left (ENOSPC)');
      appended.push(record);
    },
    async save() {},
    async close() {},
  };
  const engine = await openSession({ store, guest: InProcessGuest.start });
  try {
    failOutcomes = false;
    await engine.submit('const list = [1]');
    failOutcomes = true;
    const refused = await engine.submit('list.push(2); const x = 1');
    assert.equal(refused.ok, false);
    assert.match(refused.error!.message, /it ran, and was rolled back/);
    failOutcomes = false;
    const next = await engine.submit('typeof x');
    assert.equal(next.ok, false, 'refused until a snapshot is saved');
    assert.match(next.error!.message, /Entries are refused until a snapshot is saved/);
    await engine.save();
    assert.equal((await engine.submit('typeof x')).value, "'undefined'");
    assert.equal((await engine.submit('list.length')).value, '2', 'the push stayed (and is saved)');
  } finally {
    await engine.close();
  }
});

test('a stopped entry that leaves the image unsaveable does not lock the session out: entries run, and fix it', async () => {
  await withImage(async (image) => {
    // In process: the engine's doing, through the same engine, store and isolate as the CLI.
    const r = await session(
      [
        // An inline step cannot be saved; the entry after it is stopped by its bound.
        "spawn('p', { every: 50, state: { n: 0 }, step: (s: any) => { s.n++ } })",
        'await new Promise(() => {})',
        '1 + 1',
        ':forget p',
        'const z = 3',
      ],
      { image, timeoutMs: 1000 },
    );
    const [, stopped, two, forgot, z] = r.results;
    assert.equal(stopped!.ok, false);
    assert.match(stopped!.warning!, /Entries still run, since only an entry can fix that/);
    assert.deepEqual([two!.ok, two!.value], [true, '2'], 'not refused with a JournalError');
    assert.match(two!.warning!, /the image still cannot be saved/);
    assert.equal(forgot!.ok, true);
    assert.match(forgot!.warning!, /the image is saved again/);
    assert.equal(z!.ok, true);
    assert.equal(z!.warning, undefined);
    const reopened = await session(['z + 1'], { image });
    assert.deepEqual(shown(reopened), ['4']);
  });
});

test('a runner that dies while it starts (a damaged kernel, killed): opening fails saying so, and the session does not crash', async () => {
  const { spawnRunner } = await import('../src/session/guest/spawn.ts');
  const unhandled: unknown[] = [];
  const collect = (reason: unknown) => void unhandled.push(reason);
  process.on('unhandledRejection', collect);
  try {
    // The runner dies before it is ready: its exit is seen while the guest is still starting.
    const runner = spawnRunner(64);
    runner.child.kill('SIGKILL');
    await assert.rejects(
      openSession({ prestarted: runner, memoryMB: 64 }),
      /the guest runner failed to start/,
    );
    // What the death would have set off has had its turn (a macrotask or two).
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unhandled.map(String), []);
  } finally {
    process.off('unhandledRejection', collect);
  }
});
