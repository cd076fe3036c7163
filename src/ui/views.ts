// The pieces of the screen that only draw: the prompt, the definitions panel, the inspector and
// the status line. `h` is React.createElement (the sources run without a JSX build step).
import { createElement as h } from 'react';
import type { ReactElement } from 'react';
import { Box, Text } from 'ink';
import type { InspectView } from '../shared/types.ts';
import { STYLE_COLOURS, highlight } from './highlight.ts';
import type { EditorState } from './editor-state.ts';
import { cursorPosition } from './editor-state.ts';
import { fitFrame } from './frame-fit.ts';
import { kindLabel, renderDefinitionView } from '../session/commands/render.ts';

export const PROMPT = 'viv> ';
export const CONTINUATION = '...  ';

/** The entry being typed, coloured, with the cursor drawn as an inverse cell. */
export function PromptView(props: { editor: EditorState; hint?: string }): ReactElement {
  const { editor } = props;
  const { lines, line: cursorLine, column } = cursorPosition(editor);
  const search = editor.search;
  const prefix = (i: number) =>
    search
      ? `(${search.query !== '' && search.match === null ? 'failing ' : ''}reverse-i-search)'${search.query}': `
      : i === 0
        ? PROMPT
        : CONTINUATION;
  return h(
    Box,
    { flexDirection: 'column' },
    ...lines.map((text, i) =>
      h(
        Text,
        { key: i },
        h(Text, { color: 'cyan' }, prefix(i)),
        ...renderLine(text, i === cursorLine ? column : -1),
      ),
    ),
    props.hint ? h(Text, { dimColor: true }, props.hint) : null,
  );
}

function renderLine(text: string, cursor: number): ReactElement[] {
  const out: ReactElement[] = [];
  let at = 0;
  for (const span of highlight(text)) {
    const end = at + span.text.length;
    const color = STYLE_COLOURS[span.style];
    if (cursor >= at && cursor < end) {
      const before = span.text.slice(0, cursor - at);
      const under = span.text[cursor - at]!;
      const after = span.text.slice(cursor - at + 1);
      out.push(h(Text, { key: `${at}a`, color }, before));
      out.push(h(Text, { key: `${at}c`, inverse: true, color }, under));
      out.push(h(Text, { key: `${at}b`, color }, after));
    } else {
      out.push(h(Text, { key: at, color }, span.text));
    }
    at = end;
  }
  if (cursor >= text.length) out.push(h(Text, { key: 'cursor', inverse: true }, ' '));
  return out;
}

export interface InspectorState {
  expression: string;
  id: number;
  path: string[];
  view: InspectView;
  selected: number;
}

export function InspectorView(props: { inspector: InspectorState }): ReactElement {
  const { inspector } = props;
  const { view } = inspector;
  const heading =
    (view.className ? `${view.className} v${view.version}  ` : '') +
    [inspector.expression, ...inspector.path].join(' › ');
  return h(
    Box,
    { flexDirection: 'column', borderStyle: 'round', borderColor: 'blue', paddingX: 1 },
    h(Text, { bold: true }, heading),
    h(Text, { dimColor: true }, view.title),
    ...(view.definition
      ? // At most 10 lines of it: the panel stays within the window (:inspect prints it whole).
        clip(renderDefinitionView(view.definition).split('\n'), 10).map((line, i) =>
          h(Text, { key: `d${i}`, dimColor: i > 0 }, line),
        )
      : []),
    view.fields.length === 0 && !view.definition
      ? h(Text, { dimColor: true }, '(no fields)')
      : null,
    ...view.fields.map((f, i) =>
      h(
        Text,
        { key: i, inverse: i === inspector.selected },
        `${i === inspector.selected ? '›' : ' '} ${f.key}: ${f.preview}${f.expandable ? '  ▸' : ''}`,
      ),
    ),
    h(Text, { dimColor: true }, '↑↓ select · Enter/→ open · ←/Backspace back · Esc close'),
  );
}

export interface StatusInfo {
  image: string;
  dirty: boolean;
  savedAt?: Date;
  heapUsed: number;
  heapLimit: number;
  definitions: number;
  processes: number;
  /** `--read-only`: nothing is written. */
  readOnly?: boolean;
  /** The image is still opening (the REPL is drawn and takes keys meanwhile). */
  opening?: boolean;
}

/** What the frame panel draws around the frame: two borders and its title line. */
export const FRAME_CHROME_ROWS = 3;
/** Its borders and padding, left and right. */
const FRAME_CHROME_COLUMNS = 4;

/**
 * A process's text frame, live (`:frame NAME` again hides it), within `columns` x `rows` of the
 * screen (chrome included): a larger frame is clipped with a marker, never wrapped.
 */
export function FramePanel(props: {
  name: string;
  text: string;
  columns: number;
  rows: number;
}): ReactElement {
  const inner = props.columns - FRAME_CHROME_COLUMNS;
  const lines = fitFrame(props.text, inner, props.rows - FRAME_CHROME_ROWS);
  return h(
    Box,
    {
      flexDirection: 'column',
      borderStyle: 'round',
      borderDimColor: true,
      paddingX: 1,
      width: props.columns,
    },
    h(
      Text,
      { dimColor: true, wrap: 'truncate-end' },
      `${props.name} · :frame ${props.name} hides it`,
    ),
    ...lines.map((line, i) => h(Text, { key: i, wrap: 'truncate-end' }, line)),
  );
}

export function StatusLine(props: {
  status: StatusInfo;
  running?: string;
  columns?: number;
}): ReactElement {
  return h(
    Text,
    { dimColor: !props.running, color: props.running ? 'yellow' : undefined, wrap: 'truncate-end' },
    props.running ? props.running : statusText(props.status, props.columns ?? 80),
  );
}

/**
 * The status line's text, within `columns - 1` (a line that fills the last column makes some
 * terminals wrap): the least useful parts go first (key hints, heap), then the image's name is
 * shortened from the left. "saved HH:MM:SS" is the last save's time, and only while nothing is
 * unsaved.
 */
export function statusText(s: StatusInfo, columns: number): string {
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const saved = s.readOnly
    ? 'read-only'
    : s.dirty
      ? 'unsaved changes'
      : s.savedAt
        ? `saved ${s.savedAt.toTimeString().slice(0, 8)}`
        : 'not saved yet';
  const parts = s.opening
    ? [s.image, 'opening…', 'Ctrl-T definitions', ':help']
    : [
        s.image,
        saved,
        `heap ${mb(s.heapUsed)}/${mb(s.heapLimit)} MB`,
        count(s.definitions, 'definition', 'definitions'),
        count(s.processes, 'process', 'processes'),
        'Ctrl-T definitions',
        ':help',
      ];
  const room = Math.max(10, columns - 1);
  const join = (p: string[]) => p.join(' · ');
  // The least useful parts go first: the key hint, then the heap (there is none while opening).
  const drops = s.opening ? ['Ctrl-T definitions'] : ['Ctrl-T definitions', parts[2]!];
  for (const drop of drops) {
    if (join(parts).length <= room) break;
    parts.splice(parts.indexOf(drop), 1);
  }
  const over = join(parts).length - room;
  if (over > 0) parts[0] = '…' + s.image.slice(Math.min(s.image.length, over + 1));
  const text = join(parts);
  return text.length <= room ? text : text.slice(0, room - 1) + '…';
}

function clip(lines: string[], max: number): string[] {
  return lines.length <= max ? lines : [...lines.slice(0, max - 1), '    …'];
}
