// The terminal environment's components through ink-testing-library, over a real engine (its guest
// isolate in process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement as h } from 'react';
import { render } from 'ink-testing-library';
import { openSession } from '../src/session/open-session.ts';
import { InProcessGuest } from '../src/session/guest/in-process.ts';
import { App } from '../src/ui/app.ts';
import { OpeningPort } from '../src/session/opening-port.ts';
import type { SessionPort } from '../src/session/port.ts';
import { watchOpening } from '../src/session/signals.ts';
import type { Printer } from '../src/ui/printer.ts';
import { rowsFromEnv, stripAnsi, until } from './support/screen.ts';

// No `tput` at every frame (~750 processes in this file): the environment says the rows
// (screen.ts), for good, as this file has its own process.
rowsFromEnv();

const ENTER = '\r';
const TAB = '\t';
const UP = '\u001b[A';
const DOWN = '\u001b[B';
const ESC = '\u001b';
const CTRL_T = '\u0014';
const CTRL_R = '\u0012';

async function session(history: string[] = []) {
  const printer: Printer = { print: () => {} };
  // The guest in process: the same engine and isolate, without starting a runner process.
  const engine = await openSession({
    guest: InProcessGuest.start,
    colors: true,
    onPrint: (_stream, text) => printer.print(text),
    onProgress: (progress) => printer.progress?.(progress),
    onProcess: ({ message, offer }) => {
      printer.print(message);
      if (offer) printer.offer?.(offer);
    },
  });
  engine.history.push(...history);
  const ui = render(h(App, { engine, imageName: 'test.json', printer }));
  // Printable text arrives as one chunk (as a fast typist's or a paste's), each key that is not
  // text (Enter, Tab, arrows, Escape, Ctrl-X) on its own.
  const type = async (text: string) => {
    for (const key of text.split(/(\u001b\[[A-D]|[\u0000-\u001f\u007f])/)) {
      if (key === '') continue;
      ui.stdin.write(key);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const all = () => ui.frames.map(stripAnsi).join('\n');
  return {
    ui,
    engine,
    type,
    all,
    close: async () => {
      ui.unmount();
      await engine.close();
    },
  };
}

test('typing an entry and pressing Enter shows its value; a definition shows its version', async () => {
  const s = await session();
  try {
    await s.type('class Acct { constructor(public owner: string) {} }' + ENTER);
    await until(s.all, (t) => t.includes('Acct: class v1'));
    await s.type('new Acct("ada")' + ENTER);
    await until(s.all, (t) => t.includes("Acct { owner: 'ada' }"));
  } finally {
    await s.close();
  }
});

test('a submitted entry keeps its colours in the transcript', async () => {
  const s = await session();
  try {
    await s.type('const s = "x" // a note' + ENTER);
    await until(s.all, (t) => t.includes('s: const v1'));
    const raw = s.ui.frames.join('\n').split('\n');
    // The transcript's line (the prompt's own line is uncoloured here: ink's chalk sees no
    // terminal in ink-testing-library, so only the transcript's ANSI text carries colours).
    const echoed = raw.find(
      (line) => stripAnsi(line) === 'viv> const s = "x" // a note' && line.includes('\u001b['),
    );
    assert.ok(echoed, 'the entry is in the transcript as typed');
    assert.match(echoed, /\u001b\[36mviv> /, 'the prompt is cyan');
    assert.match(echoed, /\u001b\[35mconst\u001b\[39m/, 'the keyword is magenta');
    assert.match(echoed, /\u001b\[32m"x"\u001b\[39m/, 'the string is green');
    assert.match(echoed, /\u001b\[90m\/\/ a note\u001b\[39m/, 'the comment is grey');
  } finally {
    await s.close();
  }
});

test('an incomplete entry continues on the next line and runs when complete', async () => {
  const s = await session();
  try {
    await s.type('function add(a, b) {' + ENTER);
    await until(s.ui.lastFrame, (t) => /^\.\.\./m.test(t));
    await s.type('return a + b }' + ENTER);
    await s.type('add(2, 3)' + ENTER);
    await until(s.all, (t) => /\n5\n|\n5$/.test(t));
  } finally {
    await s.close();
  }
});

test('Up walks earlier entries, also from earlier sessions; Ctrl-R searches them', async () => {
  const s = await session(['const fromLastSession = 1']);
  try {
    await s.type('40 + 2' + ENTER);
    await until(s.all, (t) => t.includes('42'));
    await s.type(UP);
    await until(s.ui.lastFrame, (t) => t.includes('viv> 40 + 2'));
    await s.type(UP);
    await until(s.ui.lastFrame, (t) => t.includes('viv> const fromLastSession = 1'));
    await s.type(DOWN + DOWN + CTRL_R + 'Last');
    await until(s.ui.lastFrame, (t) =>
      t.includes("(reverse-i-search)'Last': const fromLastSession = 1"),
    );
  } finally {
    await s.close();
  }
});

test('Tab completes the fields and methods of a live object', async () => {
  const s = await session();
  try {
    await s.type(
      'class Acct { constructor(public owner: string, public balance: number) {} deposit() {} }' +
        ENTER,
    );
    await s.type('const acct = new Acct("ada", 1)' + ENTER);
    await until(s.all, (t) => t.includes('acct: const v1'));
    await s.type('acct.' + TAB);
    await until(s.ui.lastFrame, (t) => t.includes('balance  deposit  owner'));
    await s.type('de' + TAB);
    await until(s.ui.lastFrame, (t) => t.includes('viv> acct.deposit'));
  } finally {
    await s.close();
  }
});

test('Ctrl-T shows the definitions panel with kinds, versions and live instances', async () => {
  const s = await session();
  try {
    await s.type('class Dot {}' + ENTER);
    await s.type('const dots = [new Dot(), new Dot()]' + ENTER);
    await until(s.all, (t) => t.includes('dots: const v1'));
    await s.type(CTRL_T);
    await until(
      s.ui.lastFrame,
      (t) => /Definitions/.test(t) && /\* Dot\s+class\s+v1\s+2 live/.test(t),
    );
    await s.type(CTRL_T);
    await until(s.ui.lastFrame, (t) => !t.includes('Definitions'));
  } finally {
    await s.close();
  }
});

test(':inspect opens an inspector that walks into nested objects and back', async () => {
  const s = await session();
  try {
    await s.type(
      'class Acct { constructor(public owner: string, public meta: object) {} }' + ENTER,
    );
    await s.type('const acct = new Acct("ada", { tags: ["vip"], since: 2020 })' + ENTER);
    await until(s.all, (t) => t.includes('acct: const v1'));
    await s.type(':inspect acct' + ENTER);
    await until(s.ui.lastFrame, (t) => t.includes('Acct v1') && t.includes("owner: 'ada'"));
    await s.type(DOWN + ENTER);
    await until(s.ui.lastFrame, (t) => t.includes('acct › meta') && t.includes('since: 2020'));
    await s.type('\u007f');
    await until(s.ui.lastFrame, (t) => !t.includes('› meta') && t.includes("owner: 'ada'"));
    await s.type(ESC);
    await until(s.ui.lastFrame, (t) => t.includes('viv> '));
  } finally {
    await s.close();
  }
});

test('output printed by a timer scrolls above the prompt without tearing the line being typed', async () => {
  const s = await session();
  try {
    await s.type('setTimeout(() => console.log("from a timer"), 150); "scheduled"' + ENTER);
    await until(s.all, (t) => t.includes("'scheduled'"));
    await s.type('half-typ');
    await until(s.ui.lastFrame, (t) => t.includes('viv> half-typ'));
    const frame = await until(s.all, (t) => /^from a timer$/m.test(t));
    const last = stripAnsi(s.ui.lastFrame() ?? '');
    assert.ok(last.includes('viv> half-typ'), 'the entry being typed is intact: ' + last);
    assert.ok(frame.search(/^from a timer$/m) < frame.lastIndexOf('viv> half-typ'));
  } finally {
    await s.close();
  }
});

test(':frame NAME shows a live panel of a process frame; the status line counts processes', async () => {
  const s = await session();
  try {
    await s.type(
      "spawn('clock', { every: 30, state: { n: 0 }, step: s => s.n++, view: s => 'frame ' + s.n })" +
        ENTER,
    );
    await until(s.ui.lastFrame, (t) => /\b1 process(?!es)/.test(t));
    await s.type(':frame clock' + ENTER);
    const first = await until(s.ui.lastFrame, (t) => /clock · :frame clock hides it/.test(t));
    const n = Number(/frame (\d+)/.exec(first)![1]);
    await until(s.ui.lastFrame, (t) => Number(/frame (\d+)/.exec(t)?.[1]) > n + 3);
    await s.type(':frame clock' + ENTER);
    await until(s.ui.lastFrame, (t) => !/hides it/.test(t));
    await s.type(':frame nosuch' + ENTER);
    await until(s.ui.lastFrame, (t) => /there is no process nosuch/.test(t));
  } finally {
    await s.close();
  }
});

test('a migration over many instances shows its progress while it runs', async () => {
  const s = await session();
  try {
    await s.type('class Cell { v = 1 }' + ENTER);
    await s.type('const cells = Array.from({ length: 200000 }, () => new Cell())' + ENTER);
    await until(s.ui.lastFrame, (t) => /cells: const v1/.test(t));
    await s.type(
      'class Cell { v = 1; w = 0; static upgrade(c) { for (let i = 0; i < 200; i++) c.w += i } }' +
        ENTER,
    );
    await until(s.all, (t) => /migrating Cell to v2: [\d,]+ of 200,000/.test(t));
    await until(s.ui.lastFrame, (t) => /Cell: class v2/.test(t));
  } finally {
    await s.close();
  }
});

test('when a redefinition crashes a process, the prompt offers the rollback and Enter takes it', async () => {
  const s = await session();
  try {
    await s.type('function rule(x) { return x + 1 }' + ENTER);
    await s.type(
      "spawn('life', { every: 10, state: { v: 0 }, step: s => { s.v = rule(s.v) } })" + ENTER,
    );
    await until(s.ui.lastFrame, (t) => /\b1 process(?!es)/.test(t));
    await s.type('function rule(x) { throw new Error("broken") }' + ENTER);
    await until(
      s.ui.lastFrame,
      (t) => /viv> :rollback rule 1/.test(t) && /Enter takes the offered rollback/.test(t),
    );
    await s.type(ENTER);
    await until(s.all, (t) => /life restarted/.test(t) && /rule is now at v1/.test(t));
  } finally {
    await s.close();
  }
});

test('keys written in one chunk are handled in order: Ctrl-A, Tab and Return inside a chunk', async () => {
  const s = await session();
  try {
    s.ui.stdin.write('.length\u0001"abcdefghijk"\r');
    await until(s.all, (t) => /^11$/m.test(t));
    s.ui.stdin.write('const spaced = "x \ty"\r');
    await until(s.all, (t) => t.includes('spaced: const v1'));
    s.ui.stdin.write('spaced.length * 1000\r');
    await until(s.all, (t) => /^3000$/m.test(t));
  } finally {
    await s.close();
  }
});

test(':{ ... :} groups lines into one entry in the terminal; .help shows the commands', async () => {
  const s = await session();
  try {
    await s.type(
      ':{' + ENTER + 'const grouped = 600' + ENTER + 'grouped + 66' + ENTER + ':}' + ENTER,
    );
    await until(s.all, (t) => /^666$/m.test(t));
    await s.type('.help' + ENTER);
    await until(s.all, (t) => t.includes('Commands:'));
    assert.doesNotMatch(s.all(), /unknown command :\{|SyntaxError/);
  } finally {
    await s.close();
  }
});

test('loading the UI leaves the global fetch as it was (hidden only while yoga loads)', async () => {
  const { loadUi } = await import('../src/ui/load-ui.ts');
  const before = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  const ui = await loadUi();
  assert.equal(typeof ui.runUi, 'function');
  assert.deepEqual(Object.getOwnPropertyDescriptor(globalThis, 'fetch'), before);
  assert.equal(typeof fetch, 'function');
});

test('a status that cannot be read after an entry (the session closing under it) is no unhandled error', async () => {
  const s = await session();
  const unhandled: unknown[] = [];
  const note = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', note);
  // As when the isolate is disposed while the status line asks for the heap.
  const heap = s.engine.heap.bind(s.engine);
  s.engine.heap = () => Promise.reject(new Error('Isolate is disposed'));
  try {
    await s.type('6 * 7' + ENTER);
    await until(s.ui.lastFrame, (t) => /^42$/m.test(t));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', note);
    s.engine.heap = heap;
    await s.close();
  }
});

test('the REPL is drawn while the image opens: keys are taken, an entry waits for the image, then history merges', async () => {
  const printer: Printer = { print: () => {}, held: ['said while loading'] };
  let open!: (engine: Awaited<ReturnType<typeof openSession>>) => void;
  const opened = new Promise<Awaited<ReturnType<typeof openSession>>>((r) => (open = r));
  const asked: string[] = [];
  const port = new OpeningPort(
    opened,
    { options: { memoryMB: 64 }, imagePath: '/tmp/slow.json', readOnly: false },
    { interrupt: () => asked.push('interrupt'), cancel: () => asked.push('cancel') },
  );
  const ui = render(h(App, { engine: port, imageName: 'slow.json', printer }));
  const all = () => ui.frames.map(stripAnsi).join('\n');
  const engine = await openSession({ guest: InProcessGuest.start });
  try {
    await until(all, (t) => t.includes('slow.json · opening…') && t.includes('said while loading'));
    // Ctrl-C while it opens goes to the opening (it stops the entry being replayed).
    ui.stdin.write('\u0003');
    await until(
      () => asked.join(),
      (t) => t === 'interrupt',
    );
    ui.stdin.write('40 + 2');
    await new Promise((r) => setTimeout(r, 5));
    ui.stdin.write(ENTER);
    await until(all, (t) => t.includes('waiting for the image to open'));
    // The image opens with a history of its own: it comes before what was typed meanwhile.
    engine.history.push('const restored = 1');
    open(engine);
    await until(all, (t) => /^42$/m.test(t) && /\d+ definitions?/.test(t));
    ui.stdin.write(UP);
    await until(all, (t) => t.includes('viv> 40 + 2'));
    await new Promise((r) => setTimeout(r, 5));
    ui.stdin.write(UP);
    await until(all, (t) => t.includes('viv> const restored = 1'));
    assert.deepEqual(asked, ['interrupt']);
  } finally {
    ui.unmount();
    await engine.close();
  }
});

test('the opening port: Ctrl-D (requestQuit) while the image opens cancels it, and an entry waiting says it did not run', async () => {
  const asked: string[] = [];
  let fail!: (error: Error) => void;
  const port = new OpeningPort(
    new Promise((_, reject) => (fail = reject)),
    { options: { memoryMB: 64 }, imagePath: '/tmp/slow.json', readOnly: false },
    {
      interrupt: () => asked.push('interrupt'),
      cancel: () => {
        asked.push('cancel');
        fail(new Error('opening was cancelled; nothing was written'));
      },
    },
  );
  const result = port.submit('1 + 1');
  assert.equal(port.quitRequested, false);
  port.requestQuit();
  const answer = await result;
  assert.equal(answer.ok, false);
  assert.match(
    answer.error!.message,
    /the image was not opened \(opening was cancelled; nothing was written\): the entry did not run/,
  );
  assert.equal(port.quitRequested, true);
  port.giveUp();
  assert.deepEqual(asked, ['cancel'], 'a failed opening is not cancelled again');
  const outcome = await port.request({ op: 'defs' });
  assert.equal(outcome.kind, 'died');
});

test("the opening port: once open, keys and quitting are the engine's, and giving up does nothing", async () => {
  const asked: string[] = [];
  const engine = await openSession({ guest: InProcessGuest.start });
  const port = new OpeningPort(
    Promise.resolve(engine),
    { options: { memoryMB: 64 }, imagePath: undefined, readOnly: false },
    { interrupt: () => asked.push('interrupt'), cancel: () => asked.push('cancel') },
  );
  try {
    assert.equal((await port.submit('6 * 7')).value, '42');
    port.interrupt();
    port.giveUp();
    assert.deepEqual(asked, []);
    port.requestQuit();
    assert.equal(engine.quitRequested, true);
  } finally {
    await engine.close();
  }
});

test('the image opened before the REPL was drawn (the UI loading slower than the runner): its history is not doubled', async () => {
  const printer: Printer = { print: () => {} };
  const engine = await openSession({ guest: InProcessGuest.start });
  engine.history.push('const first = 1', 'const second = 2');
  const port = new OpeningPort(
    Promise.resolve(engine),
    { options: { memoryMB: 64 }, imagePath: '/tmp/quick.json', readOnly: false },
    { interrupt: () => {}, cancel: () => {} },
  );
  await port.opening;
  const ui = render(h(App, { engine: port, imageName: 'quick.json', printer }));
  const last = () => stripAnsi(ui.lastFrame() ?? '');
  try {
    await until(last, (t) => /\d+ definitions?/.test(t));
    // Three times Up: the oldest entry, and it stays there (a doubled history would go round).
    for (const shown of ['const second = 2', 'const first = 1']) {
      ui.stdin.write(UP);
      await until(last, (t) => t.includes(`viv> ${shown}`));
    }
    ui.stdin.write(UP);
    // A key typed after it shows once the Up before it was taken.
    ui.stdin.write(';');
    await until(last, (t) => /viv> const \w+ = \d;/.test(t));
    assert.match(last(), /viv> const first = 1;/);
  } finally {
    ui.unmount();
    await engine.close();
  }
});

test('Ctrl-C at an empty prompt while the image opens says a second one gives up opening, not that the image is saved', async () => {
  const printer: Printer = { print: () => {} };
  const asked: string[] = [];
  // The keys as the CLI routes them (signals.ts): a second Ctrl-C gives up.
  const keys = watchOpening(
    { interrupt: () => asked.push('interrupt'), cancel: () => asked.push('cancel') },
    undefined,
  );
  const port = new OpeningPort(
    new Promise(() => {}),
    { options: { memoryMB: 64 }, imagePath: '/tmp/slow.json', readOnly: false },
    keys,
  );
  const ui = render(h(App, { engine: port, imageName: 'slow.json', printer }));
  const last = () => stripAnsi(ui.lastFrame() ?? '');
  try {
    await until(last, (t) => t.includes('slow.json · opening…'));
    ui.stdin.write('\u0003');
    await until(last, (t) => t.includes('press Ctrl-C again'));
    assert.match(
      last(),
      /To give up opening the image, press Ctrl-C again or Ctrl-D; nothing is written/,
    );
    assert.doesNotMatch(last(), /saved/);
    ui.stdin.write('\u0003');
    await until(
      () => asked.join(),
      (t) => t === 'interrupt,cancel',
    );
  } finally {
    keys.stop();
    ui.unmount();
  }
});

test('Ctrl-C at an empty prompt of a --read-only image does not say the image is saved first', async () => {
  const printer: Printer = { print: () => {} };
  const engine = await openSession({ guest: InProcessGuest.start });
  const port = new OpeningPort(
    Promise.resolve(engine),
    { options: { memoryMB: 64 }, imagePath: '/tmp/shown.json', readOnly: true },
    { interrupt: () => {}, cancel: () => {} },
  );
  const ui = render(h(App, { engine: port, imageName: 'shown.json', printer }));
  const last = () => stripAnsi(ui.lastFrame() ?? '');
  try {
    await until(last, (t) => /\d+ definitions?/.test(t));
    ui.stdin.write('\u0003');
    await until(last, (t) => t.includes('press Ctrl-C again'));
    assert.match(last(), /To exit, press Ctrl-C again or Ctrl-D; read-only: nothing is written/);
  } finally {
    ui.unmount();
    await engine.close();
  }
});

test('while the image opens, :help answers at once and the definitions panel says the image is opening (not "none yet")', async () => {
  const printer: Printer = { print: () => {} };
  const port = new OpeningPort(
    new Promise(() => {}),
    { options: { memoryMB: 64 }, imagePath: '/tmp/slow.json', readOnly: false },
    { interrupt: () => {}, cancel: () => {} },
  );
  const ui = render(h(App, { engine: port, imageName: 'slow.json', printer }));
  const all = () => ui.frames.map(stripAnsi).join('\n');
  const last = () => stripAnsi(ui.lastFrame() ?? '');
  try {
    await until(last, (t) => t.includes('slow.json · opening…'));
    ui.stdin.write(CTRL_T);
    await until(last, (t) => t.includes('Definitions'));
    assert.match(last(), /the image is opening…/);
    assert.doesNotMatch(last(), /none yet/);
    ui.stdin.write(CTRL_T);
    await until(last, (t) => !t.includes('Definitions'));
    ui.stdin.write(':help');
    await new Promise((r) => setTimeout(r, 5));
    ui.stdin.write(ENTER);
    // Answered while the image is still opening (here it never opens).
    await until(all, (t) => t.includes('this list of commands'));
  } finally {
    ui.unmount();
  }
});

test('a Ctrl-C while the image opened (it stopped the replay) no longer means giving up once it is open: its hint goes', async () => {
  const printer: Printer = { print: () => {} };
  let open!: (engine: Awaited<ReturnType<typeof openSession>>) => void;
  const asked: string[] = [];
  const keys = watchOpening(
    { interrupt: () => asked.push('interrupt'), cancel: () => asked.push('cancel') },
    undefined,
  );
  const port = new OpeningPort(
    new Promise((r) => (open = r)),
    { options: { memoryMB: 64 }, imagePath: '/tmp/slow.json', readOnly: false },
    keys,
  );
  const ui = render(h(App, { engine: port, imageName: 'slow.json', printer }));
  const last = () => stripAnsi(ui.lastFrame() ?? '');
  const engine = await openSession({ guest: InProcessGuest.start });
  try {
    await until(last, (t) => t.includes('slow.json · opening…'));
    ui.stdin.write('\u0003');
    await until(last, (t) => t.includes('To give up opening the image'));
    open(engine);
    await until(last, (t) => /\d+ definitions?/.test(t) && !t.includes('To give up opening'));
    // The next Ctrl-C is the open session's: it only arms the exit, as at any empty prompt.
    ui.stdin.write('\u0003');
    await until(last, (t) => t.includes('To exit, press Ctrl-C again'));
    assert.deepEqual(asked, ['interrupt']);
  } finally {
    keys.stop();
    ui.unmount();
    await engine.close();
  }
});

test("a served image's definitions made by another client show in the open panel at once (not at the next 2 s refresh)", async (t) => {
  // The periodic refresh never runs here: only the port's change notice can update the panel.
  t.mock.timers.enable({ apis: ['setInterval'] });
  const engine = await openSession({ guest: InProcessGuest.start });
  const listeners = new Set<() => void>();
  // The engine as a client of a served image sees it: what another client did is announced.
  const port: SessionPort = {
    get options() {
      return engine.options;
    },
    get history() {
      return engine.history;
    },
    get dirty() {
      return engine.dirty;
    },
    get changedSinceSave() {
      return engine.changedSinceSave;
    },
    get lastSaved() {
      return engine.lastSaved;
    },
    readOnlyFile: false,
    imagePath: undefined,
    get quitRequested() {
      return engine.quitRequested;
    },
    submit: (text) => engine.submit(text),
    request: (request) => engine.request(request),
    heap: () => engine.heap(),
    interrupt: () => engine.interrupt(),
    requestQuit: (save) => engine.requestQuit(save),
    onChange(listener: () => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
  const ui = render(
    h(App, { engine: port, imageName: 'served.json', printer: { print: () => {} } }),
  );
  const frame = () => stripAnsi(ui.lastFrame() ?? '');
  try {
    ui.stdin.write(CTRL_T);
    await until(frame, (f) => /definitions/i.test(f));
    assert.doesNotMatch(frame(), /fromOther/);
    // Another client defines a function (here: straight into the engine, past this terminal).
    await engine.submit('function fromOther() { return 1 }');
    assert.equal(listeners.size, 1, 'the REPL listens for changes');
    for (const listener of listeners) listener();
    await until(frame, (f) => /fromOther/.test(f));
  } finally {
    ui.unmount();
    await engine.close();
  }
});
