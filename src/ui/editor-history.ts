// History for the line editor (editor-state.ts): walking it with Up/Down at the edges of the
// entry, and Ctrl-R reverse incremental search, as in readline.
import type { EditorState, KeyInput, SearchState } from './editor-types.ts';

/**
 * Shows the next older history entry with the cursor at its end, saving the new entry's text as
 * the draft when leaving it; unchanged at the oldest entry or with no history.
 */
export function historyOlder(state: EditorState): EditorState {
  const { history, historyIndex } = state;
  if (historyIndex === 0 || history.length === 0) return state;
  if (historyIndex === null) return show(state, history.length - 1, state.text);
  return show(state, historyIndex - 1, state.draft);
}

/**
 * Shows the next newer history entry with the cursor at its end; past the newest, restores the
 * draft. Unchanged while editing a new entry.
 */
export function historyNewer(state: EditorState): EditorState {
  const { history, historyIndex } = state;
  if (historyIndex === null) return state;
  if (historyIndex < history.length - 1) return show(state, historyIndex + 1, state.draft);
  const text = state.draft;
  return { ...state, text, cursor: text.length, historyIndex: null, draft: '' };
}

/** Enters reverse search with an empty query, remembering the text for Ctrl-G. */
export function startSearch(state: EditorState): EditorState {
  const before = { text: state.text, cursor: state.cursor, historyIndex: state.historyIndex };
  return { ...state, search: { query: '', match: null, shown: null, before } };
}

/**
 * Leaves search keeping the shown text; a shown history entry becomes the history position, so
 * Up/Down continue from it.
 */
export function acceptSearch(state: EditorState): EditorState {
  const { search } = state;
  if (search === null) return state;
  if (search.shown === null) return { ...state, search: null };
  const { before } = search;
  const draft = before.historyIndex === null ? before.text : state.draft;
  return { ...state, search: null, historyIndex: search.shown, draft };
}

/** Leaves search restoring the text, cursor and history position from before it. */
export function cancelSearch(state: EditorState): EditorState {
  if (state.search === null) return state;
  const { text, cursor, historyIndex } = state.search.before;
  return { ...state, text, cursor, historyIndex, search: null };
}

/**
 * One key while searching: the new state, or null when the key is not a search key (the caller
 * then accepts the search and handles the key as usual). `text` says the key is text to insert.
 */
export function searchKey(
  state: EditorState,
  input: string,
  key: KeyInput['key'],
  text: boolean,
): EditorState | null {
  const { search } = state;
  if (search === null) return null;
  if (key.return || key.escape) return acceptSearch(state);
  if (key.ctrl && input === 'g') return cancelSearch(state);
  if (key.ctrl && input === 'r') return searchOlder(state, search);
  if ((key.backspace || key.delete) && input === '' && !key.ctrl && !key.meta) {
    return searchFor(state, search, search.query.slice(0, -1));
  }
  if (text) return searchFor(state, search, search.query + input);
  return null;
}

function show(state: EditorState, index: number, draft: string): EditorState {
  const text = state.history[index];
  return { ...state, text, cursor: text.length, historyIndex: index, draft };
}

/** The newest entry at or before `from` containing `query` and different from `skip`. */
function findOlder(
  history: readonly string[],
  query: string,
  from: number,
  skip?: string,
): number | null {
  for (let i = from; i >= 0; i--) {
    if (history[i] !== skip && history[i].includes(query)) return i;
  }
  return null;
}

function searchFor(state: EditorState, search: SearchState, query: string): EditorState {
  const found =
    query === '' ? null : findOlder(state.history, query, search.shown ?? state.history.length - 1);
  if (found === null) return { ...state, search: { ...search, query, match: null } };
  return showMatch(state, { ...search, query }, found);
}

function searchOlder(state: EditorState, search: SearchState): EditorState {
  const { match, query } = search;
  if (match === null) return state;
  const found = findOlder(state.history, query, match - 1, state.history[match]);
  if (found === null) return { ...state, search: { ...search, match: null } };
  return showMatch(state, search, found);
}

function showMatch(state: EditorState, search: SearchState, index: number): EditorState {
  const text = state.history[index];
  const cursor = text.lastIndexOf(search.query);
  return { ...state, text, cursor, search: { ...search, match: index, shown: index } };
}
