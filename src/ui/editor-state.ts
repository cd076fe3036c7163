// The REPL's line editor as a pure state machine: one key in, a new state and an action out.
// Keys follow readline (Emacs bindings) where it has them; an entry may span several lines, and
// Up/Down walk the lines of the entry before they walk the history. History browsing and the
// Ctrl-R reverse search live in editor-history.ts.
import {
  acceptSearch,
  historyNewer,
  historyOlder,
  searchKey,
  startSearch,
} from './editor-history.ts';

/** Ctrl-R reverse incremental search. A non-empty `query` with `match === null` is failing. */
export type { EditorState, KeyInput, SearchState } from './editor-types.ts';
import type { EditorState, KeyInput } from './editor-types.ts';

export type EditorAction =
  | { type: 'none' }
  | { type: 'submit'; text: string }
  | { type: 'complete' }
  | { type: 'interrupt' }
  | { type: 'clear-screen' }
  | { type: 'eof' };

export interface EditorResult {
  state: EditorState;
  action: EditorAction;
}

/** A fresh editor with an empty entry and the given history (oldest first). */
export function createEditor(history: readonly string[] = []): EditorState {
  return {
    text: '',
    cursor: 0,
    history: [...history],
    historyIndex: null,
    draft: '',
    search: null,
    killRing: '',
    undo: [],
  };
}

/**
 * Applies one key. Never mutates `state`; returns the same object when nothing changed.
 * `isComplete(text)` is the REPL's continuation rule: Return submits a complete entry and
 * inserts a newline into an incomplete one.
 */
export function editorKey(
  state: EditorState,
  { input, key }: KeyInput,
  isComplete: (text: string) => boolean,
): EditorResult {
  if (key.ctrl && input === 'c') return { state, action: { type: 'interrupt' } };
  if (state.search !== null) {
    // Return takes the match and runs it, as bash and Node do; other keys that end the search
    // take the match and then act on it.
    const searched = key.return ? null : searchKey(state, input, key, isText(input, key));
    if (searched !== null) return none(searched);
    state = acceptSearch(state);
  }
  const { text, cursor } = state;
  if (key.return) {
    if (key.meta) return none(insert(state, '\n'));
    if (text.trim() === '') return none(state);
    if (isComplete(text)) return { state, action: { type: 'submit', text } };
    return none(insert(state, '\n'));
  }
  if (key.escape) return none(text.includes('\n') ? clearEntry(state) : state);
  if (key.tab) {
    return key.shift || key.ctrl || key.meta
      ? none(state)
      : { state, action: { type: 'complete' } };
  }
  const word = key.ctrl || key.meta;
  if (key.leftArrow) {
    return none(moveTo(state, word ? wordBack(text, cursor) : prevChar(text, cursor)));
  }
  if (key.rightArrow) {
    return none(moveTo(state, word ? wordForward(text, cursor) : nextChar(text, cursor)));
  }
  if (key.upArrow) return none(lineUp(state) ?? historyOlder(state));
  if (key.downArrow) return none(lineDown(state) ?? historyNewer(state));
  if (key.home) return none(moveTo(state, lineStart(text, cursor)));
  if (key.end) return none(moveTo(state, lineEnd(text, cursor)));
  if (key.delete && input === '') {
    if (word) return none(kill(state, cursor, wordForward(text, cursor)));
    return none(remove(state, cursor, nextChar(text, cursor)));
  }
  if (key.backspace && input === '') {
    if (word) return none(kill(state, wordBack(text, cursor), cursor));
    return none(remove(state, prevChar(text, cursor), cursor));
  }
  if (key.ctrl) return ctrlKey(state, input.toLowerCase());
  if (key.meta) return none(metaKey(state, input.toLowerCase()));
  if (!isText(input, key)) return none(state);
  return none(insert(state, input.replace(/\r\n?/g, '\n')));
}

/** Replaces text[replaceFrom..cursor) with `insertion` and puts the cursor after it. */
export function applyCompletion(
  state: EditorState,
  replaceFrom: number,
  insertion: string,
): EditorState {
  const from = Math.max(0, Math.min(replaceFrom, state.cursor));
  return replace(state, from, state.cursor, insertion);
}

/**
 * Drops the entry (text, history position, draft, search, undo); keeps the history and the kill
 * ring.
 */
export function clearEntry(state: EditorState): EditorState {
  return { ...state, text: '', cursor: 0, historyIndex: null, draft: '', search: null, undo: [] };
}

/**
 * After a submit: appends `entry` to the history unless it is blank or equal to the newest entry,
 * and starts a new, empty entry.
 */
export function pushHistory(state: EditorState, entry: string): EditorState {
  const { history } = state;
  const skip = entry.trim() === '' || history[history.length - 1] === entry;
  return clearEntry({ ...state, history: skip ? history : [...history, entry] });
}

/** For rendering: the lines of `text` and the cursor's line and column (UTF-16 code units). */
export function cursorPosition(state: EditorState): {
  lines: string[];
  line: number;
  column: number;
} {
  const before = state.text.slice(0, state.cursor).split('\n');
  return {
    lines: state.text.split('\n'),
    line: before.length - 1,
    column: before[before.length - 1].length,
  };
}

function ctrlKey(state: EditorState, letter: string): EditorResult {
  const { text, cursor } = state;
  switch (letter) {
    case 'a':
      return none(moveTo(state, lineStart(text, cursor)));
    case 'e':
      return none(moveTo(state, lineEnd(text, cursor)));
    case 'b':
      return none(moveTo(state, prevChar(text, cursor)));
    case 'f':
      return none(moveTo(state, nextChar(text, cursor)));
    case 'p':
      return none(lineUp(state) ?? historyOlder(state));
    case 'n':
      return none(lineDown(state) ?? historyNewer(state));
    case 'l':
      return { state, action: { type: 'clear-screen' } };
    case '_':
      return none(undo(state));
    case 'd':
      if (text === '') return { state, action: { type: 'eof' } };
      return none(remove(state, cursor, nextChar(text, cursor)));
    case 'k': {
      const end = lineEnd(text, cursor);
      return none(kill(state, cursor, end === cursor && end < text.length ? end + 1 : end));
    }
    case 'u':
      return none(kill(state, lineStart(text, cursor), cursor));
    case 'w':
      return none(kill(state, rubOutStart(text, cursor), cursor));
    case 'y':
      return none(insert(state, state.killRing));
    case 'r':
      return none(startSearch(state));
    default:
      return none(state);
  }
}

function metaKey(state: EditorState, letter: string): EditorState {
  const { text, cursor } = state;
  if (letter === 'b') return moveTo(state, wordBack(text, cursor));
  if (letter === 'f') return moveTo(state, wordForward(text, cursor));
  if (letter === 'd') return kill(state, cursor, wordForward(text, cursor));
  return state;
}

/** True when the key is text to insert: not a named key and not a ctrl/meta chord. */
function isText(input: string, key: KeyInput['key']): boolean {
  if (input === '' || key.ctrl || key.meta || key.return || key.escape || key.tab) return false;
  return !(key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.home || key.end);
}

function none(state: EditorState): EditorResult {
  return { state, action: { type: 'none' } };
}

function moveTo(state: EditorState, cursor: number): EditorState {
  return cursor === state.cursor ? state : { ...state, cursor };
}

/** How many changes Ctrl-_ can undo. */
const UNDO_LIMIT = 200;

function replace(state: EditorState, from: number, to: number, insertion: string): EditorState {
  if (from === to && insertion === '') return moveTo(state, from);
  const text = state.text.slice(0, from) + insertion + state.text.slice(to);
  const undo = [...state.undo.slice(1 - UNDO_LIMIT), { text: state.text, cursor: state.cursor }];
  return { ...state, text, cursor: from + insertion.length, undo };
}

/** Ctrl-_ (readline's undo): the text and cursor as they were before the last change. */
function undo(state: EditorState): EditorState {
  const last = state.undo[state.undo.length - 1];
  if (!last) return state;
  return { ...state, ...last, undo: state.undo.slice(0, -1) };
}

function insert(state: EditorState, insertion: string): EditorState {
  return replace(state, state.cursor, state.cursor, insertion);
}

function remove(state: EditorState, from: number, to: number): EditorState {
  return from === to ? state : replace(state, from, to, '');
}

function kill(state: EditorState, from: number, to: number): EditorState {
  if (from === to) return state;
  return { ...replace(state, from, to, ''), killRing: state.text.slice(from, to) };
}

function lineUp(state: EditorState): EditorState | null {
  const { text, cursor } = state;
  const start = lineStart(text, cursor);
  if (start === 0) return null;
  const above = lineStart(text, start - 1);
  return moveTo(state, Math.min(above + cursor - start, start - 1));
}

function lineDown(state: EditorState): EditorState | null {
  const { text, cursor } = state;
  const end = lineEnd(text, cursor);
  if (end === text.length) return null;
  const column = cursor - lineStart(text, cursor);
  return moveTo(state, Math.min(end + 1 + column, lineEnd(text, end + 1)));
}

function lineStart(text: string, pos: number): number {
  return pos === 0 ? 0 : text.lastIndexOf('\n', pos - 1) + 1;
}

function lineEnd(text: string, pos: number): number {
  const end = text.indexOf('\n', pos);
  return end === -1 ? text.length : end;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function prevChar(text: string, pos: number): number {
  if (pos <= 0) return 0;
  const pair = pos >= 2 && isLowSurrogate(text.charCodeAt(pos - 1));
  return pair && isHighSurrogate(text.charCodeAt(pos - 2)) ? pos - 2 : pos - 1;
}

function nextChar(text: string, pos: number): number {
  if (pos >= text.length) return text.length;
  const pair = pos + 1 < text.length && isHighSurrogate(text.charCodeAt(pos));
  return pair && isLowSurrogate(text.charCodeAt(pos + 1)) ? pos + 2 : pos + 1;
}

const WORD_CHAR = /[A-Za-z0-9_$]/;

function wordBack(text: string, pos: number): number {
  let i = pos;
  while (i > 0 && !WORD_CHAR.test(text[i - 1])) i--;
  while (i > 0 && WORD_CHAR.test(text[i - 1])) i--;
  return i;
}

function wordForward(text: string, pos: number): number {
  let i = pos;
  while (i < text.length && !WORD_CHAR.test(text[i])) i++;
  while (i < text.length && WORD_CHAR.test(text[i])) i++;
  return i;
}

/** Readline's unix-word-rubout: whitespace, then non-whitespace, before `pos`. */
function rubOutStart(text: string, pos: number): number {
  let i = pos;
  while (i > 0 && /\s/.test(text[i - 1])) i--;
  while (i > 0 && !/\s/.test(text[i - 1])) i--;
  return i;
}
