// `:{` ... `:}` in the terminal, as batch mode reads it (entry-reader.ts) and as GHCi has it: the
// lines between are one entry, whatever they are. Return inserts a line break until the last line
// is `:}`; the entry run is the lines in between.
import { checkedEntry, isCommandLine } from '../session/compile/entry-reader.ts';

function lines(text: string): string[] {
  return text.split('\n');
}

/** True when `text` starts a `:{` group. */
function isGroup(text: string): boolean {
  return lines(text)[0]!.trim() === ':{';
}

/**
 * The terminal's continuation rule, as batch mode's (entry-reader.ts): a `:{` group is complete at
 * its `:}` line; a `:command` is one line (it is not analysed as TypeScript), except `:check`,
 * whose entry may go on.
 */
export function entryComplete(text: string, isComplete: (text: string) => boolean): boolean {
  if (isGroup(text)) {
    const all = lines(text);
    return all.length > 1 && all[all.length - 1]!.trim() === ':}';
  }
  const checked = checkedEntry(text);
  if (checked !== undefined) return checked.trim() === '' || isComplete(checked);
  return isCommandLine(text) || isComplete(text);
}

/** What is run for an entry typed: the lines inside a `:{` group, or the text itself. */
export function entryToRun(text: string): string {
  return isGroup(text) ? lines(text).slice(1, -1).join('\n') : text;
}
