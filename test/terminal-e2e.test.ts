// End to end in a real pseudo-terminal: the real `viv` runs inside tmux, keys are typed with
// send-keys and the screen is read with capture-pane. Needs tmux (.ci/run installs it). One test
// runs it under `script` instead, for a terminal that reports no size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { childrenOf, cliEnv, cpuMs, tempDir } from './helpers.ts';
import { session } from './support/session.ts';
import { stripAnsi } from './support/screen.ts';
import { openStore } from '../src/session/store/store.ts';
import { planReplay, validateRecord } from '../src/session/engine/journal-records.ts';

const VIV = fileURLToPath(new URL('../bin/viv.js', import.meta.url));

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
let SESSION = '';
let servers = 0;

// A tmux server of its own (-L) for each start(): a server exits when its last session is killed,
// and a session started on that socket at that moment fails ("server exited unexpectedly"), as
// one did on CI between the two starts of a test. So no socket is used twice.
function tmux(...args: string[]): string {
  // cliEnv: the server (started by the first call) and the viv in its pane without npm test's
  // --no-node-snapshot, as a user's shell runs it.
  return execFileSync('tmux', ['-L', SESSION, ...args], { encoding: 'utf8', env: cliEnv() });
}

function screen(): string {
  return tmux('capture-pane', '-t', SESSION, '-p', '-S', '-200');
}

async function waitFor(what: RegExp, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const text = screen();
    if (what.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the screen never matched ${what}:\n${screen()}`);
}

/** Types `text` and Enter, and goes on at once. */
function enter(text: string): void {
  tmux('send-keys', '-t', SESSION, '-l', text);
  tmux('send-keys', '-t', SESSION, 'Enter');
}

async function type(text: string): Promise<void> {
  enter(text);
  await new Promise((r) => setTimeout(r, 150));
}

/** The pid of the shell in the pane. */
function panePid(): number {
  return Number(tmux('display-message', '-p', '-t', SESSION, '#{pane_pid}').trim());
}

/** The guest runner of the viv running in the pane (a descendant of the pane's shell). */
function runnerPid(pane: number): number | undefined {
  const queue = [pane];
  while (queue.length > 0) {
    for (const pid of childrenOf(queue.shift()!)) {
      let args = '';
      try {
        args = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue; // gone
      }
      if (/runner\/main\.(ts|js)/.test(args)) return pid;
      queue.push(pid);
    }
  }
  return undefined;
}

/**
 * Waits until the guest runner has spent `ms` of CPU time in all: past starting and restoring
 * (0.1-0.2 s; ~0.1 s measured here, with its caches cold or warm, to open this test's image and
 * run an entry), it is replaying the long entry, however loaded the machine is. Not more: the
 * runner spins a core in that entry until the Ctrl-C or Ctrl-D the test sends next. (Read from
 * /proc: polled every 20 ms, `ps` and tmux would be hundreds of processes started.)
 */
async function untilReplaying(ms = 400): Promise<void> {
  const deadline = Date.now() + 30_000;
  const pane = panePid();
  for (;;) {
    const pid = runnerPid(pane);
    if (pid !== undefined && cpuMs(pid) >= ms) return;
    if (Date.now() > deadline) throw new Error(`the runner never got busy:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function start(image: string, flags = '', env: string[] = [], size = ['110', '40']): void {
  SESSION = `viv-e2e-${process.pid}-${++servers}`;
  const command = `${process.execPath} ${VIV} ${flags} ${image}; echo "viv exited with $?"; sleep 60`;
  // CI=true as CI machines set it: ink must still draw (it goes quiet in CI unless told not to).
  const environment = ['CI=true', ...env].flatMap((e) => ['-e', e]);
  tmux('new-session', '-d', '-s', SESSION, '-x', size[0]!, '-y', size[1]!, ...environment, command);
}

/** Keys sent in one send-keys: tmux writes them together, so they arrive in one read. */
function keys(...names: string[]): void {
  tmux('send-keys', '-t', SESSION, ...names);
}

test(
  'viv in a terminal: one session, then its image reopened',
  { skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it with apt-get)' },
  async (t) => {
    const dir = tempDir();
    const image = join(dir.path, 'e2e.json');
    try {
      // The reopened session goes on with the frame panel's test (one viv start less: it needs
      // a session, any image, and runs after all that the first test checks).
      await t.test('define, redefine, interrupt, quit with Ctrl-D, reopen', async () => {
        start(image);
        // The instant prompt: typing starts before the REPL has loaded, and nothing typed is lost.
        await waitFor(/^viv>/m);
        await type('class Greeter { hello() { return "hello v1" } }');
        await waitFor(/Greeter: class v1/);
        await type('const g = new Greeter()');
        await type('class Greeter { hello() { return "HELLO v2" } }');
        await waitFor(/Greeter: class v2/);
        await type('g.hello()');
        await waitFor(/'HELLO v2'/);
        // enter, not type: the status line shows the entry running once it runs, and each
        // millisecond spent waiting more is one the loop spins (a whole core).
        enter('while (true) {}');
        await waitFor(/running \d/);
        tmux('send-keys', '-t', SESSION, 'C-c');
        await waitFor(/Uncaught Interrupted: the entry was interrupted/);
        await type('6 * 7');
        await waitFor(/^42$/m);
        tmux('send-keys', '-t', SESSION, 'C-d');
        await waitFor(/viv exited with 0/);
        tmux('kill-session', '-t', SESSION);

        start(image);
        await waitFor(/e2e\.json · saved/);
        await type('g.hello() + " after reopening"');
        await waitFor(/'HELLO v2 after reopening'/);
        tmux('send-keys', '-t', SESSION, 'Up', 'Up');
        await waitFor(/viv> 6 \* 7\s*$/m);
      });
      await t.test(
        'a live frame panel and a printing process never tear the line being typed',
        async () => {
          // The line Up Up recalled is cleared: the panel's test types a line of its own.
          keys('C-u');
          await type(
            "spawn('sim', { every: 20, state: { n: 0 }, step: s => s.n++, view: s => 'generation ' + s.n })",
          );
          await type(
            "spawn('talk', { every: 150, state: { n: 0 }, step: s => console.log('said ' + ++s.n) })",
          );
          await type(':frame sim');
          // (A line said already: the count below starts from one on the screen.)
          const first = await waitFor(/generation \d+[^]*^said \d+$|^said \d+$[^]*generation \d+/m);
          // Half an entry typed, not submitted, while frames repaint and lines are printed above.
          tmux('send-keys', '-t', SESSION, '-l', 'const typed = "half an ent');
          const generation = (text: string) => Number(/generation (\d+)/.exec(text)![1]);
          const said = (text: string) =>
            Math.max(...[...text.matchAll(/^said (\d+)$/gm)].map((m) => Number(m[1])));
          const later = await waitFor(new RegExp(`^said ${said(screen()) + 3}$`, 'm'));
          assert.ok(generation(later) > generation(first) + 10, 'the frame went on repainting');
          assert.match(
            later,
            /^viv> const typed = "half an ent\s*$/m,
            'the line being typed is whole',
          );
          assert.doesNotMatch(
            later,
            /said \d+.*viv>|viv>.*said \d/,
            'no output torn into the prompt line',
          );
          tmux('send-keys', '-t', SESSION, '-l', 'ry"');
          tmux('send-keys', '-t', SESSION, 'Enter');
          await waitFor(/typed: const v1/);
          await type(':stop talk');
          await waitFor(/talk stopped after \d+ ticks/);
        },
      );
    } finally {
      spawnSync('tmux', ['-L', SESSION, 'kill-server']);
      dir.remove();
    }
  },
);

test(
  'viv in a terminal: Ctrl-C while opening stops the replay (read-only, nothing written); Ctrl-D gives up',
  { skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it with apt-get)' },
  async () => {
    const dir = tempDir();
    const image = join(dir.path, 'slow.json');
    try {
      // A journaled entry that takes seconds to replay (the session ended without a save, as a
      // killed one does): ~1.2 s of CPU. Opening is interrupted once the runner has spent 0.4 s of
      // CPU time, most of it in this entry: it must still be running then (~0.9 s more to go).
      const first = await session(['const before = 1'], { image, noSave: true });
      assert.equal(first.status, 0, JSON.stringify(first.results));
      // The long entry is journaled through the store, with the records the engine writes for it
      // when it runs (begin, then its outcome: ok, no draws, ~1.2 s): running it here would cost
      // that 1.2 s of CPU only to write these two lines. Only its replays are watched.
      const store = await openStore(image, { validate: validateRecord });
      const entry = planReplay(store.journal, store.savedEntry).lastEntry + 1;
      const source = 'let s = 0; for (let i = 0; i < 2e8; i++) s += i';
      await store.append({ type: 'begin', entry, op: 'entry', source });
      await store.append({ type: 'outcome', entry, ok: true, ms: 1200 });
      await store.close();
      // The image and its journal.
      const files = () =>
        readdirSync(dir.path)
          .filter((f) => !f.endsWith('.lock'))
          .map((f) => [f, readFileSync(join(dir.path, f))]);
      const before = files();

      start(image);
      await waitFor(/opening .*slow\.json/);
      await untilReplaying();
      // The REPL is drawn while the image opens, and takes keys (the entry waits for the image).
      await waitFor(/slow\.json · opening…/);
      tmux('send-keys', '-t', SESSION, '-l', 'before');
      await waitFor(/viv> before/);
      tmux('send-keys', '-t', SESSION, 'C-u');
      tmux('send-keys', '-t', SESSION, 'C-c');
      await waitFor(/Replay of .* stopped at entry \d+: let s = 0/);
      await waitFor(/now: +you stopped it \(Ctrl-C\)/);
      await type('before + 1');
      await waitFor(/^2$/m);
      await type(':quit');
      await waitFor(/viv exited with 0/);
      tmux('kill-session', '-t', SESSION);
      assert.deepEqual(files(), before, 'nothing was written');

      // In an 80x24 terminal, an entry typed while it opens waits, and the line saying so tells
      // the keys whole; Ctrl-D gives up (the entry does not run).
      start(image, '', [], ['80', '24']);
      await waitFor(/slow\.json · opening…/);
      await type('before + 1');
      await waitFor(/waiting for the image to open .*Ctrl-D gives up$/m);
      await untilReplaying();
      tmux('send-keys', '-t', SESSION, 'C-d');
      await waitFor(/opening was cancelled; nothing was written/);
      await waitFor(/viv exited with 130/);
      assert.doesNotMatch(screen(), /^2$/m, 'the entry typed meanwhile did not run');
      assert.deepEqual(files(), before, 'nothing was written');
    } finally {
      spawnSync('tmux', ['-L', SESSION, 'kill-server']);
      dir.remove();
    }
  },
);

test(
  'viv in a terminal with NO_COLOR and a bound far beyond the test: keys, then Ctrl-C and Ctrl-D while something runs',
  { skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it with apt-get)' },
  async (t) => {
    const dir = tempDir();
    const image = join(dir.path, 'keys.json');
    try {
      // One session for two tests (one viv start less): the keys' test needs NO_COLOR, the other
      // a bound far beyond the test (only Ctrl-C can stop what spins); neither option changes what
      // the other test looks at, and no screen line either waits for comes from the other. The
      // second test ends the session.
      start(image, '--timeout 600000', ['NO_COLOR=1']);
      await waitFor(/keys\.json ·/);
      await t.test(
        'keys sent in one batch, Delete, Alt-D, Ctrl-R Enter, :{ :}, NO_COLOR, Ctrl-L',
        async () => {
          // Text, Ctrl-A, text, Enter in one read: each key in order (no \u0001 in the entry).
          keys('.length', 'C-a', '"hello, world"', 'Enter');
          await waitFor(/^12$/m);
          // Tab in the middle of a batch asks for completions; it inserts no tab character.
          keys('const tabbed = "x ', 'Tab', 'y"', 'Enter');
          await waitFor(/tabbed: const v1/);
          await type('tabbed.length');
          await waitFor(/^3$/m);
          // Ctrl-A Ctrl-K and Ctrl-W Ctrl-W sent together.
          tmux('send-keys', '-t', SESSION, '-l', 'garbage here');
          keys('C-a', 'C-k', '6 * 9', 'Enter');
          await waitFor(/^54$/m);
          tmux('send-keys', '-t', SESSION, '-l', 'more garbage');
          keys('C-w', 'C-w', '7 * 8', 'Enter');
          await waitFor(/^56$/m);
          // Delete deletes the character under the cursor.
          tmux('send-keys', '-t', SESSION, '-l', 'Z123 * 2');
          keys('C-a', 'DC', 'Enter');
          await waitFor(/^246$/m);
          // Alt-D cuts the word after the cursor; Ctrl-R then Enter runs the match.
          tmux('send-keys', '-t', SESSION, '-l', 'junk 5 * 5');
          keys('C-a', 'M-d', 'Enter');
          await waitFor(/^25$/m);
          keys('C-r', '6 * ', 'Enter');
          await waitFor(/^54$(?:[\s\S]*^54$)/m);
          // :{ ... :} groups lines into one entry, as in batch mode.
          await type(':{');
          await type('const grouped = 300');
          await type('grouped + 33');
          await type(':}');
          await waitFor(/^333$/m);
          // NO_COLOR: no colour anywhere on the screen (a string value is green otherwise).
          await type('"colourless"');
          await waitFor(/^'colourless'$/m);
          const coloured = tmux('capture-pane', '-t', SESSION, '-p', '-e', '-S', '-200');
          assert.doesNotMatch(coloured, /\u001b\[[0-9;]*(3[0-7]|9[0-7]|38;[25])[;m]/);
          // Ctrl-L clears the screen: the prompt is drawn again on its first line.
          keys('C-l');
          const visible = () => tmux('capture-pane', '-t', SESSION, '-p');
          const deadline = Date.now() + 15_000;
          while (!/^viv>/.test(visible()) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 100));
          }
          assert.match(visible(), /^viv>/, 'the prompt on the first line');
          assert.doesNotMatch(visible(), /colourless/, 'the screen was cleared');
          await type('1 + 776');
          await waitFor(/^777$/m);
        },
      );
      await t.test(
        'Ctrl-C stops an entry awaiting forever and a spinning tick; Ctrl-D while an entry spins saves and ends',
        async () => {
          await type('const kept = 1');
          await waitFor(/kept: const v1/);
          // An entry that awaits a promise that never settles: Ctrl-C stops it, nothing is kept.
          await type('const lost = await new Promise(() => {})');
          await waitFor(/running \d/);
          tmux('send-keys', '-t', SESSION, 'C-c');
          await waitFor(
            /Uncaught Interrupted: the entry was interrupted; nothing it defined was kept/,
          );
          await type('typeof lost');
          await waitFor(/^'undefined'$/m);

          // A process whose tick spins (between entries): Ctrl-C stops the tick, the prompt answers.
          await type('function spinStep(s) { if (++s.n > 2) for (;;) {} }');
          // (enter: its third tick spins from ~100 ms after it is committed, until Ctrl-C.)
          enter("spawn('spin', { every: 50, state: { n: 0 }, maxRestarts: 0, step: spinStep })");
          // Shown once committed: its first tick may already have run (control calls hold no ticks).
          await waitFor(/^\{ n: [01] \}$/m);
          await untilSpinning();
          tmux('send-keys', '-t', SESSION, 'C-c');
          await waitFor(/spin: tick \d+ threw: Error: its tick was stopped \(Ctrl-C\)/);
          await type('6 * 7');
          await waitFor(/^42$/m);

          // Ctrl-D while an entry spins: it is stopped, the image is saved, the session ends.
          enter('while (true) {}'); // (as in the first test: no wait while it spins)
          await waitFor(/running \d/);
          tmux('send-keys', '-t', SESSION, 'C-d');
          await waitFor(/viv exited with 0/);
          tmux('kill-session', '-t', SESSION);

          const reopened = await session(['kept', 'typeof lost'], { image });
          assert.deepEqual(
            reopened.results.map((r) => r.value),
            ['1', "'undefined'"],
            'the image was saved as it was before the stopped entries',
          );
        },
      );
    } finally {
      spawnSync('tmux', ['-L', SESSION, 'kill-server']);
      dir.remove();
    }
  },
);

/** How many times `what` occurs in `text`. */
function count(text: string, what: RegExp): number {
  return [...text.matchAll(new RegExp(what.source, 'g'))].length;
}

/** Waits until the whole pane, scrollback included, satisfies `predicate`. */
async function waitForAll(predicate: (text: string) => boolean, why: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const text = screen();
    if (predicate(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${why}; the pane and its scrollback:\n${screen()}`);
}

test(
  'viv in a terminal: a definitions panel taller than the window is clipped, scrolls, folds the stdlib; a resize leaves one frame; entries keep their colours',
  { skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it with apt-get)' },
  async () => {
    const dir = tempDir();
    const image = join(dir.path, 'panel.json');
    const TITLE = /Definitions {2}\(/;
    const STATUS = / · \d+ definitions · /;
    try {
      start(image, '', [], ['80', '24']);
      await waitFor(/panel\.json ·/);
      const names = Array.from({ length: 30 }, (_, i) => `d${i + 1} = ${i + 1}`);
      await type(`var ${names.join(', ')}`);
      await waitFor(/d30: var v1/);
      keys('C-t');
      const shown = await waitFor(/… \d+ more \(PgDn, :defs\)/);
      assert.doesNotMatch(shown, /^│ +euclid/m, 'no stdlib definition listed');
      // Keys typed one by one while the panel is shown: it is redrawn in place, never copied.
      for (const key of ['1', '+', '2']) keys(key);
      await waitFor(/^viv> 1\+2/m);
      assert.equal(
        count(screen(), TITLE),
        1,
        'the panel is on the screen once, not in the scrollback',
      );
      keys('NPage', 'NPage');
      const scrolled = await waitFor(/… \d+ above \(PgUp\)/);
      assert.match(scrolled, /^│ \* d30 +var +v1/m);
      assert.match(scrolled, /stdlib: \d+ definitions/, 'the standard library is one line');
      assert.equal(count(scrolled, TITLE), 1);

      // Narrower and shorter, then wider and taller: one frame each time, the transcript once.
      for (const [x, y] of [
        ['50', '15'],
        ['100', '30'],
      ]) {
        tmux('resize-window', '-t', SESSION, '-x', x!, '-y', y!);
        const after = await waitForAll(
          (t) =>
            count(t, TITLE) === 1 &&
            count(t, STATUS) === 1 &&
            count(t, /viv> var d1 = 1/) === 1 &&
            /^viv> 1\+2/m.test(t),
          `after resizing to ${x}x${y} the pane should show one frame`,
        );
        const widest = Math.max(...after.split('\n').map((l) => [...l].length));
        assert.ok(widest <= Number(x), `nothing wider than the window (${widest})`);
      }
      keys('Enter');
      await waitFor(/^3$/m);
      // The submitted entry keeps the colours it was typed in (keyword magenta, string green).
      await type('const coloured = "c"');
      await waitFor(/coloured: const v1/);
      const ansi = tmux('capture-pane', '-t', SESSION, '-p', '-e', '-S', '-200');
      assert.match(ansi, /\u001b\[35mconst\u001b\[39m coloured = \u001b\[32m"c"/);
    } finally {
      spawnSync('tmux', ['-L', SESSION, 'kill-server']);
      dir.remove();
    }
  },
);

/**
 * Waits until the guest runner is busy: a tick spinning uses a whole core. 200 ms of CPU time more
 * than when called (as helpers.ts's untilBusy): between ticks the runner is idle (a tick every 50 ms
 * that counts costs well under a millisecond), so only the spinning tick spends that much, however
 * loaded the machine is; each millisecond more is one the spin burns before Ctrl-C stops it.
 */
async function untilSpinning(): Promise<void> {
  const pid = runnerPid(panePid());
  if (pid === undefined) throw new Error(`no runner:\n${screen()}`);
  const start = cpuMs(pid);
  const deadline = Date.now() + 30_000;
  while (cpuMs(pid) - start < 200) {
    if (Date.now() > deadline) throw new Error(`the tick never spun:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test(
  'viv --read-only in a terminal: the status line says read-only, entries work, nothing is written',
  { skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it with apt-get)' },
  async () => {
    const dir = tempDir();
    const image = join(dir.path, 'ro.json');
    try {
      await session(['const x = 5'], { image });
      const before = readFileSync(image);
      const files = readdirSync(dir.path).sort();
      start(image, '--read-only');
      await waitFor(/ro\.json · read-only/);
      await type('x * 2');
      await waitFor(/^10$/m);
      tmux('send-keys', '-t', SESSION, 'C-d');
      await waitFor(/viv exited with 0/);
      assert.deepEqual(readdirSync(dir.path).sort(), files);
      assert.ok(readFileSync(image).equals(before));
    } finally {
      spawnSync('tmux', ['-L', SESSION, 'kill-server']);
      dir.remove();
    }
  },
);

test(
  'viv in a terminal: an image whose snapshot cannot be rebuilt says why, exits 2, and leaves no prompt or status line behind',
  { skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it with apt-get)' },
  async () => {
    const dir = tempDir();
    const image = join(dir.path, 'damaged.json');
    try {
      await session(['const x = 5'], { image });
      // A payload that is not a snapshot, sealed as a whole one (length and SHA-256 match): the
      // file opens, and the guest cannot rebuild it.
      const text = readFileSync(image, 'utf8');
      const at = text.indexOf(',"image":');
      const header = JSON.parse(text.slice(0, at) + '}');
      const payload = '{"garbage": [1, 2';
      header.length = payload.length;
      header.sha256 = createHash('sha256').update(payload, 'utf8').digest('hex');
      writeFileSync(image, JSON.stringify(header).slice(0, -1) + ',"image":' + payload + '}');
      const before = readFileSync(image);
      start(image);
      await type('x + 1');
      await waitFor(/snapshot could not be rebuilt[^]*Nothing was written/);
      const after = await waitFor(/viv exited with 2/);
      assert.doesNotMatch(after, /damaged\.json · opening…|waiting for the image to open/);
      assert.ok(readFileSync(image).equals(before), 'nothing was written');
    } finally {
      spawnSync('tmux', ['-L', SESSION, 'kill-server']);
      dir.remove();
    }
  },
);

const hasScript = spawnSync('script', ['--version']).status === 0;

test(
  'viv on a terminal that reports no size (0x0) draws at 80 columns, and keeps no file open per frame',
  { skip: hasScript ? false : 'the script command (util-linux) is not installed' },
  async () => {
    const dir = tempDir();
    // `script` run from a pipe gives its pseudo-terminal no size, as a serial console has none.
    const child = spawn(
      'script',
      ['-qfc', `${process.execPath} ${VIV} ${join(dir.path, 'tty.json')}`, '/dev/null'],
      {
        env: cliEnv(),
        stdio: ['pipe', 'pipe', 'ignore'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const until = async (what: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!what.test(stripAnsi(out))) {
        if (Date.now() > deadline) throw new Error(`never saw ${what}:\n${stripAnsi(out)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    /** The files viv has open on the terminal device (/dev/tty). */
    const ttyFiles = () => {
      const viv = Number(
        readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim(),
      );
      return readdirSync(`/proc/${viv}/fd`).filter((fd) => {
        try {
          return readlinkSync(`/proc/${viv}/fd/${fd}`) === '/dev/tty';
        } catch {
          return false; // closed meanwhile
        }
      }).length;
    };
    try {
      await until(/\d+ definitions? · 0 processes · :help/);
      const drawn = ttyFiles();
      // Thirty keys, each a frame of its own.
      for (let i = 0; i < 30; i++) {
        child.stdin.write('x');
        await until(new RegExp(`viv> ${'x'.repeat(i + 1)}`));
      }
      assert.equal(ttyFiles(), drawn, 'no file is left open by a frame');
      // The status line is cut to 80 columns (a line of the frame, whole).
      assert.match(stripAnsi(out), /\n[^\n]{20,80}:help/);
      child.stdin.write('\u0015:quit\r');
      assert.equal(await new Promise((r) => child.on('close', r)), 0);
    } finally {
      child.kill('SIGKILL');
      dir.remove();
    }
  },
);
