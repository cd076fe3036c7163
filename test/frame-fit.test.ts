// Frames fit (issue 11, point 8): a process's frame larger than its panel is clipped with a marker,
// never wrapped past the screen: the prompt stays where it is and nothing goes to the scrollback.
// fitFrame as a table, then the terminal UI through ink-testing-library at 80x24.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement as h } from 'react';
import { EventEmitter } from 'node:events';
import { render as renderInk } from 'ink';
import { render } from 'ink-testing-library';
import { openSession } from '../src/session/open-session.ts';
import { InProcessGuest } from '../src/session/guest/in-process.ts';
import { App } from '../src/ui/app.ts';
import type { Printer } from '../src/ui/printer.ts';
import { fitFrame } from '../src/ui/frame-fit.ts';
import { stripAnsi, until } from './support/screen.ts';

test('fitFrame(text, columns, rows) cuts long lines and clips extra lines with a marker', () => {
  const table: [string, number, number, string[]][] = [
    ['a\nb', 10, 5, ['a', 'b']],
    ['abcdefghij', 5, 5, ['abcd…']],
    ['1\n2\n3\n4\n5', 20, 3, ['1', '2', '… 3 more lines']],
    ['1\n2\n3', 10, 3, ['1', '2', '3']],
    ['x\ty', 10, 1, ['x  y']],
    ['1\n2\n3', 5, 1, ['… 3 …']],
    ['a\r\nb', 10, 5, ['a', 'b']],
  ];
  for (const [text, columns, rows, expected] of table) {
    assert.deepEqual(
      fitFrame(text, columns, rows),
      expected,
      JSON.stringify([text, columns, rows]),
    );
  }
});

const ENTER = '\r';

test(':frame NAME with a 200-line frame and a 300-column line fits an 80x24 terminal', async () => {
  const printer: Printer = { print: () => {} };
  const engine = await openSession({
    guest: InProcessGuest.start,
    onPrint: (_stream, text) => printer.print(text),
    onProcess: ({ message }) => printer.print(message),
  });
  const ui = render(h(App, { engine, imageName: 'test.json', printer }));
  try {
    // ink-testing-library's stdout is 100 columns with no rows: make it an 80x24 terminal.
    Object.defineProperty(ui.stdout, 'columns', { value: 80 });
    Object.assign(ui.stdout, { rows: 24 });
    ui.stdout.emit('resize');
    const view =
      "s => Array.from({ length: 200 }, (_, i) => i === 3 ? 'w'.repeat(300) : `line ${i} tick ${s.n}`).join('\\n')";
    ui.stdin.write(`spawn('big', { every: 20, state: { n: 0 }, step: s => s.n++, view: ${view} })`);
    await new Promise((r) => setTimeout(r, 5));
    ui.stdin.write(ENTER);
    await until(ui.lastFrame, (t) => /\b1 process(?!es)/.test(t));
    ui.stdin.write(':frame big');
    await new Promise((r) => setTimeout(r, 5));
    ui.stdin.write(ENTER);
    const first = await until(ui.lastFrame, (t) => /big · :frame big hides it/.test(t));
    const n = Number(/line 0 tick (\d+)/.exec(first)![1]);
    // The frame keeps changing; the screens after that one are what is checked.
    const later = await until(ui.lastFrame, (t) => Number(/line 0 tick (\d+)/.exec(t)?.[1]) > n);
    const again = await until(ui.lastFrame, (t) => {
      const m = Number(/line 0 tick (\d+)/.exec(t)?.[1]);
      return m > Number(/line 0 tick (\d+)/.exec(later)![1]);
    });
    for (const screen of [later, again]) {
      // ink-testing-library writes the transcript (ink's Static) followed by the live part.
      const lines = screen.split('\n');
      const top = lines.findIndex((l) => l.startsWith('╭'));
      const live = lines.slice(top);
      assert.ok(live.length < 24, `the live part is ${live.length} rows: it fits 24 with a spare`);
      for (const line of live) assert.ok(Array.from(line).length <= 80, `too wide: ${line}`);
      assert.match(live.join('\n'), /│ w{75}… │/, 'the 300-column line is cut at the border');
      assert.match(live.join('\n'), /│ … 183 more lines +│/, 'the marker says what was left out');
      assert.match(live.at(-2)!, /^viv>/, 'the prompt is right below the panel');
      assert.match(live.at(-1)!, /^test\.json · /, 'the status line is last, on one line');
    }
    // Nothing reached the transcript (the scrollback) while the frame repainted.
    const transcript = (screen: string) => screen.slice(0, screen.indexOf('╭'));
    assert.equal(transcript(again), transcript(later));
  } finally {
    ui.unmount();
    await engine.close();
  }
});

/** An 80x24 terminal as ink sees a real one (a TTY: ink diffs frames and can clear the screen). */
class Terminal extends EventEmitter {
  isTTY = true;
  columns = 80;
  rows = 24;
  writes: string[] = [];
  write = (text: string) => {
    this.writes.push(text);
    return true;
  };
}

/** Keys for ink: a TTY stdin that takes what `type` pushes. */
class Keys extends EventEmitter {
  isTTY = true;
  #data: string | null = null;
  type(text: string) {
    this.#data = text;
    this.emit('readable');
  }
  read = () => {
    const data = this.#data;
    this.#data = null;
    return data;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

test('on a real 80x24 terminal a 200-line frame never makes ink redraw the screen', async () => {
  const printer: Printer = { print: () => {} };
  const engine = await openSession({
    guest: InProcessGuest.start,
    onPrint: (_stream, text) => printer.print(text),
    onProcess: ({ message }) => printer.print(message),
  });
  const terminal = new Terminal();
  const keys = new Keys();
  const ink = renderInk(h(App, { engine, imageName: 'test.json', printer }), {
    stdout: terminal as unknown as NodeJS.WriteStream,
    stdin: keys as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    interactive: true,
  });
  const screen = () => stripAnsi(terminal.writes.join(''));
  try {
    const view =
      "s => Array.from({ length: 200 }, (_, i) => 'w'.repeat(i === 3 ? 300 : 10) + s.n).join('\\n')";
    keys.type(`spawn('big', { every: 20, state: { n: 0 }, step: s => s.n++, view: ${view} })`);
    await new Promise((r) => setTimeout(r, 5));
    keys.type(ENTER);
    await until(screen, (t) => /\b1 process(?!es)/.test(t));
    keys.type(':frame big');
    await new Promise((r) => setTimeout(r, 5));
    keys.type(ENTER);
    await until(screen, (t) => /big · :frame big hides it/.test(t));
    const from = terminal.writes.length;
    // Ten repaints of the frame (it changes every tick).
    await until(
      () => String(terminal.writes.length - from),
      (n) => Number(n) >= 10,
    );
    for (const write of terminal.writes.slice(from)) {
      // A frame that fills the screen is rewritten whole each time, pushing its top into the
      // scrollback (ink's full-clear path): every repaint here is shorter than the screen.
      const lines = write.split('\n').length - 1;
      assert.ok(lines < 24, `a repaint of ${lines} lines`);
      assert.ok(!write.includes('\u001b[1;1H'), 'ink never moved to the top of the screen');
    }
  } finally {
    ink.unmount();
    await engine.close();
  }
});
