// The line editor's state and the keys it takes (editor-state.ts and editor-history.ts share them).

export interface SearchState {
  query: string;
  /** The history index of the entry matching `query`; null while the query is '' or failing. */
  match: number | null;
  /** The history index shown as `text` (the last good match); null while the text from before the search is shown. */
  shown: number | null;
  /** What Ctrl-G restores. */
  before: { text: string; cursor: number; historyIndex: number | null };
}

export interface EditorState {
  /** The whole entry being edited; lines are separated by '\n'. */
  text: string;
  /** An offset in `text`, 0..text.length (UTF-16 code units). */
  cursor: number;
  /** Earlier entries, oldest first. */
  history: readonly string[];
  /** null while editing a new entry; else the index of the history entry being shown. */
  historyIndex: number | null;
  /** The new entry's text, saved while browsing history. */
  draft: string;
  search: SearchState | null;
  /** The last killed text (Ctrl-K/U/W, Meta-D, Meta-Backspace), yanked by Ctrl-Y. */
  killRing: string;
  /** What Ctrl-_ restores: the text and cursor before each change, newest last. */
  undo: readonly { text: string; cursor: number }[];
}

/** Input as ink's useInput delivers it: the text typed and a key object. */
export interface KeyInput {
  input: string;
  key: {
    upArrow?: boolean;
    downArrow?: boolean;
    leftArrow?: boolean;
    rightArrow?: boolean;
    home?: boolean;
    end?: boolean;
    return?: boolean;
    escape?: boolean;
    ctrl?: boolean;
    shift?: boolean;
    tab?: boolean;
    backspace?: boolean;
    delete?: boolean;
    meta?: boolean;
    pageUp?: boolean;
    pageDown?: boolean;
  };
}
