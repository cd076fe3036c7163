// Keys that arrive in one read (splitKeys), the terminal's `:{` `:}` groups and the Node REPL's
// dot commands, as tables of input and expected output.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { splitKeys } from '../src/ui/keys.ts';
import { entryComplete, entryToRun } from '../src/ui/entry-group.ts';
import { dotCommand, isDotCommand } from '../src/session/commands/dot-commands.ts';
import { createEditor, editorKey } from '../src/ui/editor-state.ts';
import type { KeyInput } from '../src/ui/editor-state.ts';

describe('splitKeys(input, key)', () => {
  const rows: [name: string, input: string, key: KeyInput['key'], expected: KeyInput[]][] = [
    ['one character is one key', 'a', {}, [{ input: 'a', key: {} }]],
    ['plain text is one insertion', 'hello', {}, [{ input: 'hello', key: {} }]],
    ['a key ink named is kept', '', { upArrow: true }, [{ input: '', key: { upArrow: true } }]],
    ['a Ctrl chord ink named is kept', 'a', { ctrl: true }, [{ input: 'a', key: { ctrl: true } }]],
    [
      'text then Ctrl-A',
      '"ab\u0001',
      {},
      [
        { input: '"ab', key: {} },
        { input: 'a', key: { ctrl: true } },
      ],
    ],
    [
      'text then Tab',
      '"ab\t',
      {},
      [
        { input: '"ab', key: {} },
        { input: '\t', key: { tab: true } },
      ],
    ],
    [
      'Ctrl-A Ctrl-K',
      '\u0001\u000b',
      {},
      [
        { input: 'a', key: { ctrl: true } },
        { input: 'k', key: { ctrl: true } },
      ],
    ],
    [
      'Ctrl-W Ctrl-W',
      '\u0017\u0017',
      {},
      [
        { input: 'w', key: { ctrl: true } },
        { input: 'w', key: { ctrl: true } },
      ],
    ],
    [
      'lines and Return (CR, LF, CRLF)',
      '1\r2\n3\r\n',
      {},
      [
        { input: '1', key: {} },
        { input: '\r', key: { return: true } },
        { input: '2', key: {} },
        { input: '\r', key: { return: true } },
        { input: '3', key: {} },
        { input: '\r', key: { return: true } },
      ],
    ],
    [
      'tabs after a line break are the indentation of pasted lines',
      'a\tb\n\tc',
      {},
      [
        { input: 'a', key: {} },
        { input: '\t', key: { tab: true } },
        { input: 'b', key: {} },
        { input: '\r', key: { return: true } },
        { input: '\tc', key: {} },
      ],
    ],
    [
      'Backspace and Ctrl-_',
      'ab\u007f\u001f',
      {},
      [
        { input: 'ab', key: {} },
        { input: '', key: { backspace: true } },
        { input: '_', key: { ctrl: true } },
      ],
    ],
    [
      'escape sequences: arrows, Delete, Ctrl-Left, Home (SS3)',
      'x\u001b[D\u001b[3~\u001b[1;5D\u001bOH',
      {},
      [
        { input: 'x', key: {} },
        { input: '', key: { leftArrow: true } },
        { input: '', key: { delete: true } },
        { input: '', key: { leftArrow: true, ctrl: true } },
        { input: '', key: { home: true } },
      ],
    ],
    [
      'Meta and a letter, Meta-Return, Escape alone',
      'a\u001bd\u001b\r\u001b',
      {},
      [
        { input: 'a', key: {} },
        { input: 'd', key: { meta: true } },
        { input: '\r', key: { return: true, meta: true } },
        { input: '', key: { escape: true } },
      ],
    ],
    [
      'non-ASCII text stays whole',
      'é✓😀\u0005',
      {},
      [
        { input: 'é✓😀', key: {} },
        { input: 'e', key: { ctrl: true } },
      ],
    ],
  ];
  for (const [name, input, key, expected] of rows) {
    test(name, () => assert.deepEqual(splitKeys(input, key), expected));
  }

  test('`.length` Ctrl-A `"abcd"` in one read gives the entry "abcd".length', () => {
    let state = createEditor();
    for (const key of splitKeys('.length\u0001"abcd"', {})) {
      state = editorKey(state, key, () => true).state;
    }
    assert.equal(state.text, '"abcd".length');
  });
});

describe('entryComplete(text, isComplete) and entryToRun(text): :{ ... :}', () => {
  const never = () => false;
  const rows: [text: string, complete: boolean, run: string][] = [
    [':{', false, ':{'],
    [':{\nconst a = 1', false, ':{\nconst a = 1'],
    [':{\nconst a = 1\n:}', true, 'const a = 1'],
    ['  :{ \nf(\n1)\n  :}  ', true, 'f(\n1)'],
    [':{\n:}', true, ''],
  ];
  for (const [text, complete, run] of rows) {
    test(JSON.stringify(text), () => {
      assert.equal(entryComplete(text, never), complete);
      if (complete) assert.equal(entryToRun(text), run);
    });
  }

  test('other text follows the REPL rule', () => {
    assert.equal(
      entryComplete('1 +', () => false),
      false,
    );
    assert.equal(
      entryComplete('1', () => true),
      true,
    );
    assert.equal(entryToRun('1 + 1'), '1 + 1');
  });

  test('a :command is one line, never analysed as TypeScript; :check follows its entry', () => {
    const analysed: string[] = [];
    const rule = (text: string) => (analysed.push(text), !text.trim().endsWith('{'));
    assert.equal(entryComplete(':quit', rule), true);
    assert.equal(entryComplete('  :inspect ledger.accounts[0]', rule), true);
    assert.deepEqual(analysed, []);
    assert.equal(entryComplete(':check class A {', rule), false);
    assert.equal(entryComplete(':check class A {}', rule), true);
    assert.equal(entryComplete(':check', rule), true);
    assert.deepEqual(analysed, [' class A {', ' class A {}']);
  });
});

describe('dotCommand(text): Node REPL habits', () => {
  test('.help, .exit and .save run their : command', () => {
    assert.deepEqual(dotCommand('.help'), { command: ':help' });
    assert.deepEqual(dotCommand(' .exit '), { command: ':quit' });
    assert.deepEqual(dotCommand('.save'), { command: ':save' });
  });

  test('.load FILE is :load FILE; .editor and others point to what Vivarium has', () => {
    assert.match(
      (dotCommand('.editor') as { message: string }).message,
      /:\{ .* :\}.*Ctrl-X Ctrl-E/,
    );
    assert.deepEqual(dotCommand('.load x.js'), { command: ':load x.js' });
    assert.match((dotCommand('.foo') as { message: string }).message, /:help/);
  });

  test('only a dot and a word is a dot command (.5 is a number)', () => {
    assert.deepEqual(['.help', '.load f.ts', '.5', '.map(x)', 'a.help', '.'].map(isDotCommand), [
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });
});
