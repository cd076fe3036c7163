// The definitions panel (Ctrl-T): the image's own definitions, the standard library's folded into
// one line, within the rows the screen has left. A panel taller than the window would make ink
// redraw the whole screen on every key and copy the panel into the scrollback each time (issue
// 12), so the list is clipped to its rows and scrolls with Page Up / Page Down.
import { kindLabel } from '../session/commands/render.ts';
import { createElement as h } from 'react';
import type { ReactElement } from 'react';
import { Box, Text } from 'ink';
import type { DefSummary } from '../shared/types.ts';
import { analyze } from '../session/compile/analyze.ts';

/** The panel's borders and its title line. */
export const DEFS_CHROME_ROWS = 3;

export interface PanelLine {
  text: string;
  dim?: boolean;
}

/**
 * The names the standard library defines (the prelude a new image starts from). A definition of
 * one of them still at its first version is the standard library's; one the person entered again
 * is theirs.
 */
export function preludeNames(prelude: readonly { source: string }[]): Set<string> {
  const names = new Set<string>();
  for (const { source } of prelude) {
    try {
      for (const d of analyze(source).declarations) names.add(d.name);
    } catch {
      // A prelude that does not parse failed to load already: nothing to fold.
    }
  }
  return names;
}

/**
 * The lines of the list, at most `rows` of them, from `offset` on (clamped): a "… N above" and a
 * "… N more" line stand for what is scrolled out. Returns the offset it used, so that scrolling
 * past either end stays at the end.
 */
export function panelLines(
  defs: readonly DefSummary[],
  options: {
    changed: ReadonlySet<string>;
    stdlib: ReadonlySet<string>;
    rows: number;
    offset: number;
    /** The image is still opening: its definitions are not known yet. */
    opening?: boolean;
  },
): { lines: PanelLine[]; offset: number } {
  if (options.opening) {
    return { lines: [{ text: 'the image is opening…', dim: true }], offset: 0 };
  }
  const own = defs.filter((d) => !(options.stdlib.has(d.name) && d.version === 1));
  const folded = defs.length - own.length;
  const table = rowsOf(own, options.changed);
  const items: PanelLine[] = table.map((text) => ({ text }));
  if (folded > 0) {
    items.push({
      text: `stdlib: ${folded} definition${folded === 1 ? '' : 's'} (:defs lists them)`,
      dim: true,
    });
  }
  if (items.length === 0) return { lines: [{ text: 'none yet', dim: true }], offset: 0 };
  const rows = Math.max(1, options.rows);
  if (items.length <= rows) return { lines: items, offset: 0 };
  // Scrolled to the end, the last `rows - 1` items show under one "above" line.
  const last = items.length - Math.max(1, rows - 1);
  const offset = Math.max(0, Math.min(options.offset, last));
  const above = offset > 0 ? 1 : 0;
  let shown = Math.max(1, rows - above);
  if (offset + shown < items.length) shown = Math.max(1, shown - 1);
  const below = items.length - offset - shown;
  const lines: PanelLine[] = [];
  if (above) lines.push({ text: `… ${offset} above (PgUp)`, dim: true });
  lines.push(...items.slice(offset, offset + shown));
  if (below > 0) lines.push({ text: `… ${below} more (PgDn, :defs)`, dim: true });
  return { lines: lines.slice(0, rows), offset };
}

/** Name, kind, version, live instances: in columns. */
function rowsOf(defs: readonly DefSummary[], changed: ReadonlySet<string>): string[] {
  const rows = defs.map((d) => [
    (changed.has(d.name) ? '* ' : '  ') + d.name,
    kindLabel(d),
    `v${d.version}`,
    d.instances === undefined ? '' : `${d.instances} live`,
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), 4));
  return rows.map((r) =>
    r
      .map((c, j) => c.padEnd(widths[j]!))
      .join('  ')
      .trimEnd(),
  );
}

const TITLE = 'Definitions  (* changed since the last save; Ctrl-T hides; PgUp/PgDn scroll)';

/** The panel: its title and the lines, each cut to the window's width (never wrapped). */
export function DefinitionsPanel(props: { lines: PanelLine[]; columns: number }): ReactElement {
  const natural = Math.max(TITLE.length, ...props.lines.map((l) => l.text.length)) + 4;
  return h(
    Box,
    {
      flexDirection: 'column',
      borderStyle: 'round',
      borderColor: 'gray',
      paddingX: 1,
      width: Math.max(8, Math.min(props.columns, natural)),
    },
    h(Text, { bold: true, wrap: 'truncate-end' }, TITLE),
    ...props.lines.map((line, i) =>
      h(Text, { key: i, dimColor: line.dim, wrap: 'truncate-end' }, line.text),
    ),
  );
}
