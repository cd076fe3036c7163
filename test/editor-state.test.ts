// The REPL's line editor as a pure state machine: keys in, text, cursor and actions out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyCompletion,
  clearEntry,
  createEditor,
  cursorPosition,
  editorKey,
  pushHistory,
} from '../src/ui/editor-state.ts';
import type { EditorAction, EditorState, KeyInput } from '../src/ui/editor-state.ts';

/** Complete when every bracket opened is closed: enough of a continuation rule for the keys. */
function isComplete(text: string): boolean {
  let depth = 0;
  for (const c of text) {
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) depth--;
  }
  return depth <= 0;
}

const NAMED: Record<string, [KeyInput['key'], string?]> = {
  return: [{ return: true }, '\r'],
  escape: [{ escape: true }],
  tab: [{ tab: true }, '\t'],
  left: [{ leftArrow: true }],
  right: [{ rightArrow: true }],
  up: [{ upArrow: true }],
  down: [{ downArrow: true }],
  home: [{ home: true }],
  end: [{ end: true }],
  backspace: [{ backspace: true }],
  delete: [{ delete: true }],
  pageup: [{ pageUp: true }],
  pagedown: [{ pageDown: true }],
  space: [{}, ' '],
};

/** A named key as ink reports it: 'up', 'ctrl-a', 'meta-left', 'shift-tab', 'ctrl-meta-x'. */
function press(name: string): KeyInput {
  const parts = name.split('-');
  const base = parts.pop() as string;
  const modifiers: KeyInput['key'] = {};
  for (const m of parts) {
    if (m !== 'ctrl' && m !== 'meta' && m !== 'shift') throw new Error(`bad key ${name}`);
    modifiers[m] = true;
  }
  const named = NAMED[base];
  if (named) return { input: named[1] ?? '', key: { ...named[0], ...modifiers } };
  if (base.length !== 1) throw new Error(`bad key ${name}`);
  return { input: base, key: modifiers };
}

function paste(text: string): KeyInput {
  return { input: text, key: {} };
}

type Step = string | KeyInput;

/** Steps as keys: in a string, `<name>` presses a named key and other characters are typed one by one. */
function keys(steps: Step[]): KeyInput[] {
  return steps.flatMap((step) => {
    if (typeof step !== 'string') return [step];
    return [...step.matchAll(/<([^>]+)>|([^<])/gsu)].map(([, name, char]) =>
      name !== undefined
        ? press(name)
        : { input: char, key: char === char.toLowerCase() ? {} : { shift: true } },
    );
  });
}

function run(
  steps: Step[],
  start: EditorState = createEditor(),
): { state: EditorState; actions: EditorAction[] } {
  let state = start;
  const actions: EditorAction[] = [];
  for (const input of keys(steps)) {
    const result = editorKey(state, input, isComplete);
    state = result.state;
    actions.push(result.action);
  }
  return { state, actions };
}

/** The text with '|' at the cursor. */
function shown(state: EditorState): string {
  return state.text.slice(0, state.cursor) + '|' + state.text.slice(state.cursor);
}

type Row = [name: string, steps: Step[], expected: string, history?: string[]];

function table(rows: Row[]): void {
  for (const [name, steps, expected, history] of rows) {
    test(name, () => {
      const { state, actions } = run(steps, createEditor(history));
      assert.equal(shown(state), expected);
      for (const action of actions) assert.equal(action.type, 'none');
    });
  }
}

describe('typing and pasting', () => {
  table([
    ['typed characters insert at the end', ['abc'], 'abc|'],
    ['typed characters insert at the cursor', ['ac<left>b'], 'ab|c'],
    ['upper case (shift) inserts', ['Ab'], 'Ab|'],
    ['a paste inserts as is at the cursor', ['ad<left>', paste('bc')], 'abc|d'],
    ['a paste with newlines becomes a multi-line entry', [paste('a\nb'), 'c'], 'a\nbc|'],
    ['a paste with CRLF or CR line ends gets \\n', [paste('a\r\nb\rc')], 'a\nb\nc|'],
    ['a typed \\n (Ctrl-J) inserts a newline', ['a\nb'], 'a\nb|'],
    ['non-ASCII text', ['héllo ✓'], 'héllo ✓|'],
  ]);
});

describe('Return', () => {
  test('a complete entry is submitted, the state left as it is', () => {
    const before = run(['1 + 1']).state;
    const result = editorKey(before, press('return'), isComplete);
    assert.deepEqual(result.action, { type: 'submit', text: '1 + 1' });
    assert.equal(result.state, before);
  });

  test('a complete entry is submitted wherever the cursor is', () => {
    const { actions } = run(['f(x)<home><return>']);
    assert.deepEqual(actions.at(-1), { type: 'submit', text: 'f(x)' });
  });

  test('an incomplete entry continues on a new line, then submits when complete', () => {
    const { state, actions } = run(['f(<return>1<return>)<return>']);
    assert.deepEqual(actions.at(-1), { type: 'submit', text: 'f(\n1\n)' });
    assert.equal(shown(state), 'f(\n1\n)|');
    assert.deepEqual(
      actions.slice(0, -1).map((a) => a.type),
      Array(6).fill('none'),
    );
  });

  test('an empty or blank entry: nothing happens', () => {
    for (const text of ['', '   ', ' \n ']) {
      const state = { ...createEditor(), text, cursor: text.length };
      const result = editorKey(state, press('return'), isComplete);
      assert.deepEqual(result, { state, action: { type: 'none' } });
    }
  });

  table([
    ['in an incomplete entry the newline goes at the cursor', ['{ab<left><return>'], '{a\n|b'],
    ['Meta+Return inserts a newline even in a complete entry', ['ab<left><meta-return>'], 'a\n|b'],
    ['Meta+Return on an empty entry', ['<meta-return>'], '\n|'],
  ]);
});

describe('Escape', () => {
  table([
    ['cancels a multi-line entry', ['{<return>x<escape>'], '|'],
    ['cancels a multi-line entry shown from history', ['<up><escape>'], '|', ['a\nb']],
    ['leaves a one-line entry alone', ['abc<left><escape>'], 'ab|c'],
  ]);

  test('cancelling a history entry returns to a new entry', () => {
    const { state } = run(['x<up><escape>'], createEditor(['a\nb']));
    assert.equal(state.historyIndex, null);
    assert.equal(state.draft, '');
  });
});

describe('moving by character and line', () => {
  table([
    ['Left and Right', ['abc<left><left><right>'], 'ab|c'],
    ['Left stops at the start', ['ab<left><left><left>'], '|ab'],
    ['Right stops at the end', ['ab<right>'], 'ab|'],
    ['Left crosses to the end of the line above', [paste('ab\ncd'), '<home><left>'], 'ab|\ncd'],
    [
      'Right crosses to the start of the line below',
      [paste('ab\ncd'), '<up><end><right>'],
      'ab\n|cd',
    ],
    ['Left and Right step over a surrogate pair', ['a😀b<left><left>'], 'a|😀b'],
    ['Backspace removes a whole surrogate pair', ['a😀<backspace>'], 'a|'],
    ['Home goes to the start of the current line', [paste('ab\ncd'), '<left><home>'], 'ab\n|cd'],
    ['End goes to the end of the current line', [paste('ab\ncd'), '<up><home><end>'], 'ab|\ncd'],
    ['Ctrl-A and Ctrl-E', [paste('ab\ncd\nef'), '<up><left><ctrl-a>x<ctrl-e>y'], 'ab\nxcdy|\nef'],
    ['Home on the first line', ['abc<home>'], '|abc'],
    ['Up keeps the column', [paste('abcd\nefgh'), '<left><left><up>'], 'ab|cd\nefgh'],
    ['Down keeps the column', [paste('abcd\nefgh'), '<up><left><down>'], 'abcd\nefg|h'],
    ['Up clamps the column to a shorter line', [paste('ab\ncdef'), '<up>'], 'ab|\ncdef'],
    [
      'Down clamps the column to a shorter line',
      [paste('abcd\nef'), '<up><end><down>'],
      'abcd\nef|',
    ],
    [
      'the column is not remembered past a shorter line',
      [paste('abc\n\nxyz'), '<up><up>'],
      '|abc\n\nxyz',
    ],
    [
      'Down on the last line of a new entry does nothing',
      [paste('ab\ncd'), '<left><down>'],
      'ab\nc|d',
    ],
    ['Up on the first line with no history does nothing', ['ab<left><up>'], 'a|b'],
    ['PageUp and PageDown do nothing', ['ab<pageup><pagedown>'], 'ab|'],
  ]);
});

describe('history', () => {
  const history = ['one', 'two\nlines', 'three'];
  table([
    ['Up shows the newest entry, cursor at the end', ['<up>'], 'three|', history],
    ['Up twice shows a multi-line entry, cursor at its end', ['<up><up>'], 'two\nlines|', history],
    [
      'Up inside a multi-line entry moves to its first line',
      ['<up><up><up>'],
      'two|\nlines',
      history,
    ],
    [
      'Up on the first line of it goes on to the older entry',
      ['<up><up><up><up>'],
      'one|',
      history,
    ],
    ['Up at the oldest entry stays there', ['<up><up><up><up><up>'], 'one|', history],
    ['Down walks back to newer entries', ['<up><up><up><up><down>'], 'two\nlines|', history],
    ['Down past the newest restores the draft', ['dra<left><up><up><down><down>'], 'dra|', history],
    ['Down past the newest restores an empty draft', ['<up><down>'], '|', history],
    ['Down with no history position does nothing', ['x<down>'], 'x|', history],
    [
      'a multi-line draft: Up walks its lines first',
      [paste('a\nb'), '<up><up>'],
      'three|',
      history,
    ],
    ['a multi-line draft is restored whole', [paste('a\nb'), '<up><up><down>'], 'a\nb|', history],
    [
      'Down inside a multi-line entry moves to its last line',
      ['<up><up><up><down>'],
      'two\nlin|es',
      history,
    ],
    ['an edited history entry can be changed and kept', ['<up>!'], 'three!|', history],
    ['Up walks on from an edited entry, dropping the edit', ['<up>!<up><down>'], 'three|', history],
  ]);

  test('the draft is saved once, when leaving the new entry', () => {
    const { state } = run(['draft<up><up>'], createEditor(history));
    assert.equal(state.historyIndex, 1);
    assert.equal(state.draft, 'draft');
    const back = run(['<down><down>'], state).state;
    assert.equal(back.historyIndex, null);
    assert.equal(shown(back), 'draft|');
  });

  test('submitting a history entry submits its text', () => {
    const { actions } = run(['<up><return>'], createEditor(history));
    assert.deepEqual(actions.at(-1), { type: 'submit', text: 'three' });
  });
});

describe('killing and yanking', () => {
  table([
    ['Ctrl-K kills to the end of the line', ['abcd<left><left><ctrl-k>'], 'ab|'],
    [
      'Ctrl-K stops at the end of the line',
      [paste('abcd\nef'), '<up><end><left><left><ctrl-k>'],
      'ab|\nef',
    ],
    ['Ctrl-K at the end of a line joins the next', [paste('ab\ncd'), '<up><ctrl-k>'], 'ab|cd'],
    ['Ctrl-K at the end of the last line does nothing', ['ab<ctrl-k>'], 'ab|'],
    [
      'Ctrl-U kills to the start of the line',
      [paste('ab\ncdef'), '<left><left><ctrl-u>'],
      'ab\n|ef',
    ],
    ['Ctrl-U at the start of a line does nothing', [paste('ab\ncd'), '<home><ctrl-u>'], 'ab\n|cd'],
    ['Ctrl-W kills the word before', ['foo bar<ctrl-w>'], 'foo |'],
    ['Ctrl-W kills trailing blanks and the word', ['foo bar  <ctrl-w>'], 'foo |'],
    ['Ctrl-W kills up to whitespace, punctuation included', ['x = a.b(c)<ctrl-w>'], 'x = |'],
    ['Ctrl-W in the middle of a word', ['foo barbaz<left><left><left><ctrl-w>'], 'foo |baz'],
    ['Ctrl-W crosses a line break', [paste('ab\n'), '<ctrl-w>'], '|'],
    [
      'Ctrl-Y yanks the killed text at the cursor',
      ['abcd<left><left><ctrl-k><home><ctrl-y>'],
      'cd|ab',
    ],
    ['Ctrl-Y yanks again and again', ['ab<ctrl-u><ctrl-y><ctrl-y>'], 'abab|'],
    ['Ctrl-Y with an empty kill ring does nothing', ['ab<left><ctrl-y>'], 'a|b'],
    ['a kill of nothing keeps the kill ring', ['ab<ctrl-u>x<ctrl-k><ctrl-y>'], 'xab|'],
    [
      'Ctrl-K of a line break yanks it back',
      [paste('ab\ncd'), '<up><ctrl-k><ctrl-e><ctrl-y>'],
      'abcd\n|',
    ],
  ]);

  test('the kill ring holds the last kill', () => {
    assert.equal(run(['abc def<ctrl-w>']).state.killRing, 'def');
    assert.equal(run(['abc def<ctrl-u>']).state.killRing, 'abc def');
    assert.equal(run([paste('ab\ncd'), '<up><ctrl-k>']).state.killRing, '\n');
    assert.equal(run(['ab cd<ctrl-w><ctrl-w>']).state.killRing, 'ab ');
  });
});

describe('words', () => {
  const text = paste('foo.bar(baz_1, $q)');
  table([
    [
      'Meta+B goes back over punctuation to the word start',
      [text, '<meta-b>'],
      'foo.bar(baz_1, |$q)',
    ],
    ['Meta+B repeatedly', [text, '<meta-b><meta-b><meta-b>'], 'foo.|bar(baz_1, $q)'],
    [
      'Meta+B to the start',
      [text, '<meta-b><meta-b><meta-b><meta-b><meta-b>'],
      '|foo.bar(baz_1, $q)',
    ],
    ['Meta+Left is Meta+B', [text, '<meta-left><meta-left>'], 'foo.bar(|baz_1, $q)'],
    ['Ctrl+Left is Meta+B', [text, '<ctrl-left>'], 'foo.bar(baz_1, |$q)'],
    ['Meta+F goes to the end of the word', [text, '<home><meta-f>'], 'foo|.bar(baz_1, $q)'],
    ['Meta+F repeatedly', [text, '<home><meta-f><meta-f><meta-f>'], 'foo.bar(baz_1|, $q)'],
    [
      'Meta+F to the end',
      [text, '<home><meta-f><meta-f><meta-f><meta-f><meta-f>'],
      'foo.bar(baz_1, $q)|',
    ],
    ['Meta+Right is Meta+F', [text, '<home><meta-right><meta-right>'], 'foo.bar|(baz_1, $q)'],
    ['Ctrl+Right is Meta+F', [text, '<home><ctrl-right>'], 'foo|.bar(baz_1, $q)'],
    ['Meta+B crosses lines', [paste('ab\n  cd'), '<meta-b><meta-b>'], '|ab\n  cd'],
    ['Meta+F crosses lines', [paste('ab\n  cd'), '<up><meta-f>'], 'ab\n  cd|'],
    [
      'Meta+Backspace deletes the word before',
      [text, '<left><meta-backspace>'],
      'foo.bar(baz_1, |)',
    ],
    ['Meta+Backspace over punctuation', ['a.b(<meta-backspace>'], 'a.|'],
    ['Meta+Delete deletes the word after', ['ab cd<home><meta-delete>'], '| cd'],
    ['Meta+D deletes the word after', [text, '<home><meta-f><meta-d>'], 'foo|(baz_1, $q)'],
    ['Meta+D at the end does nothing', ['ab<meta-d>'], 'ab|'],
    ['a word motion in the middle of a word', ['hello<left><left><meta-b>'], '|hello'],
  ]);

  test('Meta+D and Meta+Backspace fill the kill ring', () => {
    assert.equal(run(['ab cd<home><meta-d><ctrl-e><ctrl-y>']).state.text, ' cdab');
    assert.equal(run(['ab cd<meta-backspace><home><ctrl-y>']).state.text, 'cdab ');
  });
});

describe('deleting characters', () => {
  table([
    ['Backspace deletes before the cursor', ['abc<left><backspace>'], 'a|c'],
    ['Delete (forward delete) deletes at the cursor', ['abc<left><left><delete>'], 'a|c'],
    ['Delete at the end does nothing', ['abc<delete>'], 'abc|'],
    ['Backspace at the start does nothing', ['ab<home><backspace>'], '|ab'],
    ['Backspace at a line start joins the lines', [paste('ab\ncd'), '<home><backspace>'], 'ab|cd'],
    ['Delete at a line end joins the lines', [paste('ab\ncd'), '<up><delete>'], 'ab|cd'],
    ['Ctrl-D deletes at the cursor', ['abc<left><left><ctrl-d>'], 'a|c'],
    ['Ctrl-D at a line end joins the lines', [paste('ab\ncd'), '<up><ctrl-d>'], 'ab|cd'],
    ['Ctrl-D at the end of a non-empty entry does nothing', ['ab<ctrl-d>'], 'ab|'],
    ['Ctrl-D on a blank (not empty) entry deletes', ['  <home><ctrl-d>'], '| '],
  ]);

  test('Ctrl-D on an empty entry is eof', () => {
    const state = createEditor(['x']);
    assert.deepEqual(editorKey(state, press('ctrl-d'), isComplete), {
      state,
      action: { type: 'eof' },
    });
  });
});

describe('keys that act outside the editor', () => {
  test('Ctrl-C interrupts and changes nothing', () => {
    const state = run(['abc']).state;
    assert.deepEqual(editorKey(state, press('ctrl-c'), isComplete), {
      state,
      action: { type: 'interrupt' },
    });
  });

  test('Tab asks for completions and changes nothing', () => {
    const state = run(['con']).state;
    assert.deepEqual(editorKey(state, press('tab'), isComplete), {
      state,
      action: { type: 'complete' },
    });
  });

  table([
    ['Shift+Tab does nothing', ['ab<shift-tab>'], 'ab|'],
    ['other Ctrl keys do nothing', ['ab<ctrl-x><ctrl-t><ctrl-g><ctrl-space>'], 'ab|'],
    ['other Meta keys do nothing', ['ab<meta-x><meta-u><meta-.>'], 'ab|'],
    ['Ctrl+Meta keys do nothing', ['ab<ctrl-meta-x>'], 'ab|'],
  ]);
});

describe('readline keys: Ctrl-B/F/P/N, Ctrl-L, undo', () => {
  table([
    ['Ctrl-B and Ctrl-F move by a character', ['abc<ctrl-b><ctrl-b><ctrl-f>'], 'ab|c'],
    [
      'Ctrl-P walks up the lines, then the history',
      [paste('x\ny'), '<ctrl-p><ctrl-p>'],
      'old|',
      ['old'],
    ],
    ['Ctrl-N walks back down', ['<ctrl-p><ctrl-p><ctrl-n>'], 'b|', ['a', 'b']],
    ['Ctrl-_ undoes the last change', ['ab cd<ctrl-w><ctrl-_>'], 'ab cd|'],
    ['Ctrl-_ undoes changes one by one', ['abc<ctrl-_><ctrl-_>'], 'a|'],
    ['Ctrl-_ with nothing to undo does nothing', ['<ctrl-_>'], '|'],
    [
      'Ctrl-_ undoes a Delete, a kill and a yank',
      ['ab<home><delete><ctrl-k><ctrl-y><ctrl-_><ctrl-_><ctrl-_>'],
      '|ab',
    ],
  ]);

  test('Ctrl-L asks for the screen to be cleared and keeps the entry', () => {
    const state = run(['ab']).state;
    assert.deepEqual(editorKey(state, press('ctrl-l'), isComplete), {
      state,
      action: { type: 'clear-screen' },
    });
  });

  test('a new entry starts with nothing to undo', () => {
    const state = pushHistory(run(['ab']).state, 'ab');
    assert.deepEqual(state.undo, []);
    assert.equal(shown(run(['<ctrl-_>'], state).state), '|');
  });
});

describe('reverse search (Ctrl-R)', () => {
  const history = ['let a = 1', 'foo(foo)', 'let b = 2', 'bar()', 'let b = 2;'];

  function searching(steps: Step[], hist = history) {
    const { state, actions } = run(steps, createEditor(hist));
    for (const action of actions) assert.equal(action.type, 'none');
    return state;
  }

  test('Ctrl-R enters search with an empty query and keeps the text', () => {
    const state = searching(['ab<ctrl-r>']);
    assert.equal(shown(state), 'ab|');
    assert.equal(state.search?.query, '');
    assert.equal(state.search?.match, null);
  });

  test('typing shows the newest match, the cursor at the match', () => {
    const state = searching(['<ctrl-r>b =']);
    assert.equal(shown(state), 'let |b = 2;');
    assert.deepEqual([state.search?.query, state.search?.match], ['b =', 4]);
  });

  test('the cursor goes to the last occurrence in the entry', () => {
    assert.equal(shown(searching(['<ctrl-r>foo'])), 'foo(|foo)');
  });

  test('Ctrl-R again goes to the next older match, skipping the same text', () => {
    const state = searching(['<ctrl-r>let<ctrl-r>']);
    assert.deepEqual([shown(state), state.search?.match], ['|let b = 2', 2]);
    const older = searching(['<ctrl-r>let<ctrl-r><ctrl-r>']);
    assert.deepEqual([shown(older), older.search?.match], ['|let a = 1', 0]);
    const repeated = searching(['<ctrl-r>x'], ['x1', 'y', 'x1']);
    const next = run(['<ctrl-r>'], repeated).state;
    assert.deepEqual([next.text, next.search?.match], ['x1', null]);
  });

  test('past the oldest match the search fails, keeping the last good match', () => {
    const state = searching(['<ctrl-r>let<ctrl-r><ctrl-r><ctrl-r>']);
    assert.deepEqual(
      [shown(state), state.search?.query, state.search?.match],
      ['|let a = 1', 'let', null],
    );
  });

  test('a query that matches nothing fails, keeping the last good match', () => {
    const state = searching(['<ctrl-r>barx']);
    assert.deepEqual([shown(state), state.search?.match], ['|bar()', null]);
    const retry = searching(['<ctrl-r>barx<ctrl-r>']);
    assert.deepEqual([shown(retry), retry.search?.match], ['|bar()', null]);
  });

  test('a query with no match at all keeps the text from before', () => {
    const state = searching(['ab<ctrl-r>zz']);
    assert.deepEqual([shown(state), state.search?.match], ['ab|', null]);
  });

  test('extending the query searches at or before the current match', () => {
    const state = searching(['<ctrl-r>let<ctrl-r><ctrl-r> b']);
    assert.deepEqual([shown(state), state.search?.match], ['|let a = 1', null]);
    const wider = searching(['<ctrl-r>(']);
    assert.deepEqual([shown(wider), wider.search?.match], ['bar|()', 3]);
    const narrowed = searching(['<ctrl-r>(f']);
    assert.deepEqual([shown(narrowed), narrowed.search?.match], ['foo|(foo)', 1]);
  });

  test('Backspace shortens the query and finds the match again', () => {
    const state = searching(['<ctrl-r>barx<backspace>']);
    assert.deepEqual(
      [shown(state), state.search?.query, state.search?.match],
      ['|bar()', 'bar', 3],
    );
    const deleted = searching(['<ctrl-r>ba<delete><delete>']);
    assert.deepEqual(
      [deleted.search?.query, deleted.search?.match, deleted.text],
      ['', null, 'bar()'],
    );
  });

  test('Ctrl-R with an empty query does nothing', () => {
    const state = searching(['ab<ctrl-r><ctrl-r>']);
    assert.deepEqual([shown(state), state.search?.query], ['ab|', '']);
  });

  test('with no history every query fails', () => {
    const state = searching(['ab<ctrl-r>a'], []);
    assert.deepEqual([shown(state), state.search?.query, state.search?.match], ['ab|', 'a', null]);
  });

  test('Return runs the match (as bash and Node do)', () => {
    const { state, actions } = run(['draft<ctrl-r>foo<return>'], createEditor(history));
    assert.equal(state.search, null);
    assert.equal(shown(state), 'foo(|foo)');
    assert.equal(state.historyIndex, 1);
    assert.deepEqual(actions.at(-1), { type: 'submit', text: 'foo(foo)' });
  });

  test('after accepting, Up and Down walk the history from the match', () => {
    const accepted = searching(['draft<ctrl-r>foo<escape>']);
    assert.equal(shown(run(['<up>'], accepted).state), 'let a = 1|');
    assert.equal(shown(run(['<down>'], accepted).state), 'let b = 2|');
    assert.equal(shown(run(['<down><down><down><down>'], accepted).state), 'draft|');
  });

  test('accepting while browsing history keeps the draft', () => {
    const state = searching(['draft<up><ctrl-r>foo<escape><down><down><down><down>']);
    assert.equal(shown(state), 'draft|');
  });

  test('accepting a search that found nothing keeps the text from before', () => {
    const state = searching(['ab<left><ctrl-r>zz<escape>']);
    assert.deepEqual([shown(state), state.search, state.historyIndex], ['a|b', null, null]);
  });

  test('Ctrl-G leaves the search restoring the text from before', () => {
    const state = searching(['ab<left><ctrl-r>foo<ctrl-g>']);
    assert.deepEqual([shown(state), state.search, state.historyIndex], ['a|b', null, null]);
    const browsing = searching(['<up><up><ctrl-r>let a<ctrl-g>']);
    assert.deepEqual([shown(browsing), browsing.historyIndex], ['bar()|', 3]);
  });

  test('Escape leaves the search keeping the match (as readline does)', () => {
    const state = searching(['ab<ctrl-r>foo<escape>']);
    assert.deepEqual([shown(state), state.search], ['foo(|foo)', null]);
  });

  table([
    ['Left leaves the search, then moves', ['<ctrl-r>bar<left>'], '|bar()', history],
    ['Right leaves the search, then moves', ['<ctrl-r>bar<right>'], 'b|ar()', history],
    ['Home leaves the search, then moves', ['<ctrl-r>ar<home>'], '|bar()', history],
    ['End leaves the search, then moves', ['<ctrl-r>bar<end>'], 'bar()|', history],
    ['Ctrl-A leaves the search, then moves', ['<ctrl-r>ar<ctrl-a>'], '|bar()', history],
    ['Ctrl-E leaves the search, then moves', ['<ctrl-r>bar<ctrl-e>'], 'bar()|', history],
    ['Up leaves the search, then walks older', ['<ctrl-r>bar<up>'], 'let b = 2|', history],
    ['Down leaves the search, then walks newer', ['<ctrl-r>bar<down>'], 'let b = 2;|', history],
    ['Ctrl-K leaves the search, then kills', ['<ctrl-r>(<ctrl-k>'], 'bar|', history],
    ['Meta+B leaves the search, then moves', ['<ctrl-r>)<meta-b>'], '|bar()', history],
    ['a paste extends the query', ['<ctrl-r>', paste('a =')], 'let |a = 1', history],
  ]);

  test('Tab leaves the search and asks for completions', () => {
    const { state, actions } = run(['<ctrl-r>bar<tab>'], createEditor(history));
    assert.deepEqual(
      [shown(state), state.search, actions.at(-1)],
      ['|bar()', null, { type: 'complete' }],
    );
  });

  test('Return after leaving the search submits', () => {
    const { actions } = run(['<ctrl-r>bar<return><return>'], createEditor(history));
    assert.deepEqual(actions.at(-1), { type: 'submit', text: 'bar()' });
  });

  test('Ctrl-C while searching interrupts; clearEntry ends the search', () => {
    const state = searching(['<ctrl-r>bar']);
    const result = editorKey(state, press('ctrl-c'), isComplete);
    assert.deepEqual(result, { state, action: { type: 'interrupt' } });
    const cleared = clearEntry(result.state);
    assert.deepEqual([shown(cleared), cleared.search, cleared.historyIndex], ['|', null, null]);
  });
});

describe('the other operations', () => {
  test('createEditor starts empty and copies the history', () => {
    const history = ['a'];
    const state = createEditor(history);
    history.push('b');
    assert.deepEqual(state, {
      text: '',
      cursor: 0,
      history: ['a'],
      historyIndex: null,
      draft: '',
      search: null,
      killRing: '',
      undo: [],
    });
    assert.deepEqual(createEditor().history, []);
  });

  test('applyCompletion replaces the text before the cursor', () => {
    const state = run(['x = con(1)<left><left><left>']).state;
    assert.equal(shown(applyCompletion(state, 4, 'console')), 'x = console|(1)');
    assert.equal(shown(applyCompletion(state, 7, 'sole')), 'x = console|(1)');
    assert.equal(shown(applyCompletion(state, 99, '!')), 'x = con!|(1)');
    assert.equal(shown(applyCompletion(state, -1, '')), '|(1)');
  });

  test('clearEntry drops the entry and keeps history and kill ring', () => {
    const state = run(['ab cd<ctrl-w>x<up>'], createEditor(['h'])).state;
    assert.deepEqual(clearEntry(state), { ...createEditor(['h']), killRing: 'cd' });
  });

  test('pushHistory appends and starts a new entry', () => {
    const state = run(['x<up>1 + 1<ctrl-w>'], createEditor(['a'])).state;
    const next = pushHistory(state, 'b\nc');
    assert.deepEqual(next, { ...createEditor(['a', 'b\nc']), killRing: '1' });
  });

  test('pushHistory skips blank entries and an immediate duplicate', () => {
    const state = createEditor(['a', 'b']);
    assert.deepEqual(pushHistory(state, '').history, ['a', 'b']);
    assert.deepEqual(pushHistory(state, ' \n ').history, ['a', 'b']);
    assert.deepEqual(pushHistory(state, 'b').history, ['a', 'b']);
    assert.deepEqual(pushHistory(state, 'a').history, ['a', 'b', 'a']);
  });

  test('pushHistory ends a search', () => {
    const state = run(['<ctrl-r>a'], createEditor(['a'])).state;
    assert.equal(pushHistory(state, 'a').search, null);
  });

  test('cursorPosition gives the lines and the cursor line and column', () => {
    const at = (steps: Step[]) => cursorPosition(run(steps).state);
    assert.deepEqual(at([]), { lines: [''], line: 0, column: 0 });
    assert.deepEqual(at(['ab']), { lines: ['ab'], line: 0, column: 2 });
    assert.deepEqual(at([paste('ab\ncde\n')]), { lines: ['ab', 'cde', ''], line: 2, column: 0 });
    assert.deepEqual(at([paste('ab\ncde\n'), '<up>']), {
      lines: ['ab', 'cde', ''],
      line: 1,
      column: 0,
    });
    assert.deepEqual(at([paste('ab\ncde'), '<up>']), { lines: ['ab', 'cde'], line: 0, column: 2 });
  });
});

describe('purity', () => {
  function deepFreeze<T>(value: T): T {
    if (typeof value === 'object' && value !== null) {
      for (const v of Object.values(value)) deepFreeze(v);
      Object.freeze(value);
    }
    return value;
  }

  const names = [
    'return',
    'meta-return',
    'escape',
    'tab',
    'shift-tab',
    'left',
    'right',
    'up',
    'down',
    'home',
    'end',
    'backspace',
    'delete',
    'meta-backspace',
    'ctrl-left',
    'meta-right',
    'ctrl-a',
    'ctrl-e',
    'ctrl-k',
    'ctrl-u',
    'ctrl-w',
    'ctrl-y',
    'ctrl-d',
    'ctrl-c',
    'ctrl-l',
    'ctrl-r',
    'ctrl-g',
    'meta-b',
    'meta-f',
    'meta-d',
    'pageup',
    'a',
    'b',
    ' ',
    '(',
    ')',
    '.',
  ];

  test('random keys never mutate a state and keep the cursor in the text', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const extras = [paste('x\ny'), paste('😀'), paste('a(\n')];
    for (let round = 0; round < 50; round++) {
      let state = deepFreeze(createEditor(['ab', 'a(b\n)', 'c.d e']));
      for (let i = 0; i < 200; i++) {
        const input = random(10) === 0 ? extras[random(3)] : press(names[random(names.length)]);
        const result = editorKey(state, input, isComplete);
        state = deepFreeze(
          result.action.type === 'submit'
            ? pushHistory(result.state, result.action.text)
            : result.state,
        );
        if (result.action.type === 'interrupt') state = deepFreeze(clearEntry(state));
        assert.ok(state.cursor >= 0 && state.cursor <= state.text.length, shown(state));
        const { historyIndex, history } = state;
        assert.ok(historyIndex === null || (historyIndex >= 0 && historyIndex < history.length));
      }
    }
  });
});
