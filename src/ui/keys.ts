// Keys that arrive in one read, split into single keys. Terminals, pastes, tmux send-keys and fast
// typists deliver several keys in one chunk; ink splits a chunk only at escape sequences and at
// Backspace and Ctrl-C, and passes the rest to useInput as one `input` (`"ab\u0001` for `"ab`
// then Ctrl-A, `\u0001\u000b` for Ctrl-A Ctrl-K). Each key must be handled in order, so such an
// input is split here: runs of plain text stay one key (a paste inserts at once), and every
// control character and escape sequence is a key of its own, named as ink names it.
import type { KeyInput } from './editor-types.ts';

type Key = KeyInput['key'];

/**
 * The keys in what ink delivered as one key. A single character, or a key ink recognised (an
 * arrow, Return, a Ctrl or Meta chord), is returned as it is.
 */
export function splitKeys(input: string, key: Key): KeyInput[] {
  if (isSingle(input, key)) return [{ input, key }];
  const keys: KeyInput[] = [];
  let text = '';
  // After a line break in the same chunk it is a paste of several lines: its tabs are indentation.
  let pastedLines = false;
  const flush = () => {
    if (text) keys.push({ input: text, key: {} });
    text = '';
  };
  for (let i = 0; i < input.length;) {
    const code = input.charCodeAt(i);
    if ((code >= 0x20 && code !== 0x7f) || (code === 0x09 && pastedLines)) {
      text += input[i++];
      continue;
    }
    flush();
    if (code === 0x1b) {
      const [escaped, length] = escapeSequence(input, i);
      keys.push(escaped);
      i += length;
      continue;
    }
    // A line break in a chunk (CR, LF or CRLF) is Return: pasted lines run one by one.
    if (code === 0x0d || code === 0x0a) {
      keys.push({ input: '\r', key: { return: true } });
      pastedLines = true;
      i += code === 0x0d && input.charCodeAt(i + 1) === 0x0a ? 2 : 1;
      continue;
    }
    keys.push(controlKey(code));
    i++;
  }
  flush();
  return keys;
}

/** True when `input` is one key as ink reported it, nothing to split. */
function isSingle(input: string, key: Key): boolean {
  if ([...input].length <= 1) return true;
  if (key.ctrl || key.meta || key.return || key.tab || key.escape) return true;
  if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return true;
  if (key.home || key.end || key.pageUp || key.pageDown || key.backspace || key.delete) return true;
  // Plain text with no control character in it: typed or pasted text, one insertion.
  return !/[\u0000-\u001f\u007f]/.test(input);
}

/** A C0 control character as ink names it: Tab, Backspace, or Ctrl and a letter. */
function controlKey(code: number): KeyInput {
  if (code === 0x09) return { input: '\t', key: { tab: true } };
  if (code === 0x7f || code === 0x08) return { input: '', key: { backspace: true } };
  if (code === 0x00) return { input: ' ', key: { ctrl: true } };
  return { input: String.fromCharCode(code + (code <= 26 ? 96 : 64)), key: { ctrl: true } };
}

const CSI_KEYS: Record<string, Key> = {
  A: { upArrow: true },
  B: { downArrow: true },
  C: { rightArrow: true },
  D: { leftArrow: true },
  H: { home: true },
  F: { end: true },
  '1~': { home: true },
  '7~': { home: true },
  '4~': { end: true },
  '8~': { end: true },
  '3~': { delete: true },
  '5~': { pageUp: true },
  '6~': { pageDown: true },
};

/**
 * The key an escape sequence at `at` stands for, and its length: CSI and SS3 keys (arrows, Home,
 * End, Delete, Page Up/Down, with xterm's modifier parameter), Meta and a character, Escape alone.
 */
function escapeSequence(input: string, at: number): [KeyInput, number] {
  const csi = /^\u001b(?:\[|O)(?:1;)?(\d*)(?:;(\d+))?([A-Za-z~])/.exec(input.slice(at));
  if (csi) {
    const [whole, number, modifier, final] = csi;
    const named = CSI_KEYS[final === '~' ? `${number}~` : final!];
    const bits = Number(modifier ?? (final === '~' ? 1 : number || 1)) - 1;
    const key: Key = { ...(named ?? {}) };
    if (bits & 1) key.shift = true;
    if (bits & 10) key.meta = true;
    if (bits & 4) key.ctrl = true;
    return [{ input: '', key }, whole.length];
  }
  const next = input.charCodeAt(at + 1);
  if (Number.isNaN(next) || next === 0x1b) return [{ input: '', key: { escape: true } }, 1];
  if (next === 0x0d) return [{ input: '\r', key: { return: true, meta: true } }, 2];
  if (next === 0x7f || next === 0x08) {
    return [{ input: '', key: { backspace: true, meta: true } }, 2];
  }
  if (next < 0x20)
    return [{ ...controlKey(next), key: { ...controlKey(next).key, meta: true } }, 2];
  const char = String.fromCodePoint(input.codePointAt(at + 1)!);
  return [{ input: char, key: { meta: true } }, 1 + char.length];
}
