// The interactive environment: a scrolling transcript above (ink's Static: output never tears the
// prompt), then an optional panel (definitions or inspector), the prompt, and a status line. What
// each part holds lives in a hook of its own (transcript.ts, session-status.ts, framed-process.ts,
// inspector-navigation.ts); here are the keys, the entries they submit, and the frame's layout.
import { createElement as h, useEffect, useRef, useState } from 'react';
import type { ReactElement } from 'react';
import { Box, Static, Text, useApp, useInput, useStdout, useWindowSize } from 'ink';
import type { Progress } from '../shared/types.ts';
import type { SessionPort } from '../session/port.ts';
import { complete } from '../session/commands/queries.ts';
import { completeCommand } from '../session/commands/commands.ts';
import { editText, setTerminalHandover } from '../session/code-io/edit.ts';
import { isComplete } from '../session/compile/analyze.ts';
import { renderResult } from '../session/render.ts';
import {
  applyCompletion,
  clearEntry,
  createEditor,
  editorKey,
  pushHistory,
} from './editor-state.ts';
import type { EditorState, KeyInput } from './editor-state.ts';
import { entryComplete, entryToRun } from './entry-group.ts';
import { splitKeys } from './keys.ts';
import { DEFS_CHROME_ROWS, DefinitionsPanel, panelLines, preludeNames } from './defs-panel.ts';
import { InspectorView, PROMPT, PromptView, StatusLine, FramePanel } from './views.ts';
import { echo, useTranscript } from './transcript.ts';
import type { LogLine } from './transcript.ts';
import type { Printer } from './printer.ts';
import { useSessionStatus } from './session-status.ts';
import { useFramedProcess } from './framed-process.ts';
import { useInspector } from './inspector-navigation.ts';
import { frameRoom, textRows } from './screen-rows.ts';
import { progressText, spinner } from './running-text.ts';

interface Props {
  engine: SessionPort;
  imageName: string;
  printer: Printer;
}

/** The hint after a Ctrl-C at an empty prompt while the image opens. */
const GIVE_UP_OPENING =
  '(To give up opening the image, press Ctrl-C again or Ctrl-D; nothing is written)';

export function App({ engine, imageName, printer }: Props): ReactElement {
  const app = useApp();
  const { stdout, write } = useStdout();
  const screen = useWindowSize();
  const [editor, setEditor] = useState<EditorState>(() => createEditor(engine.history));
  // The history the editor started with: the image's own when it was open before the REPL drew.
  const [drawnWith] = useState(() => editor.history.length);
  const { log, append } = useTranscript(stdout, write);
  const [running, setRunning] = useState<number | null>(null);
  const [now, setNow] = useState(Date.now());
  const [panel, setPanel] = useState(false);
  /** The definitions panel's scroll position (Page Up / Page Down while it is shown). */
  const [defsOffset, setDefsOffset] = useState(0);
  /** The standard library's names, folded into one line of the panel (found when first shown). */
  const stdlib = useRef<Set<string> | null>(null);
  /** What the last frame drew: whether the panel is shown, its offset and its lines. */
  const drawn = useRef({ panel: false, offset: 0, rows: 0 });
  const [hint, setHint] = useState<string | undefined>();
  const [armedExit, setArmedExit] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [framed, setFramed] = useFramedProcess(engine);
  const { defs, status, refresh } = useSessionStatus(engine, imageName);

  const { inspector, setInspector, inspectorKey } = useInspector(engine, append);

  useEffect(() => {
    for (const text of printer.held?.splice(0) ?? []) append(text);
    printer.print = append;
    printer.progress = setProgress;
    // The rollback offer lands in an empty prompt: Enter takes it, Ctrl-U drops it.
    printer.offer = (command) => {
      if (editorRef.current.text !== '') return;
      setEditorState(applyCompletion(editorRef.current, 0, command));
      setHint('Enter takes the offered rollback; Ctrl-U clears it');
    };
    // A background refresh that fails (the session closing under it) leaves the status as it was.
    const background = () => void refresh().catch(() => {});
    background();
    const timer = setInterval(background, 2000);
    // `:edit` and Ctrl-X Ctrl-E lend the terminal to the editor: ink leaves raw mode, stops reading
    // and drawing while it runs, and redraws from scratch after.
    setTerminalHandover(async (run) => {
      let out: ReturnType<typeof run> | undefined;
      await app.suspendTerminal(() => {
        out = run();
      });
      return out!;
    });
    // A served image: another client's definitions show in the panel at once.
    const stopWatching = engine.onChange?.(background);
    // Drawn while the image opened: its history comes first, then what was typed meanwhile.
    engine.opening?.then(
      () => {
        const typed = editorRef.current.history.slice(drawnWith);
        setEditorState({ ...editorRef.current, history: [...engine.history, ...typed] });
        // A Ctrl-C while it opened (it may have stopped the replay) no longer means giving up.
        setArmedExit(false);
        setHint((shown) => (shown === GIVE_UP_OPENING ? undefined : shown));
      },
      () => {},
    );
    return () => {
      clearInterval(timer);
      stopWatching?.();
      setTerminalHandover(undefined);
    };
  }, []);

  useEffect(() => {
    if (running === null) return;
    const timer = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(timer);
  }, [running]);

  const quit = () => app.exit();

  const submit = async (text: string) => {
    append(echo(text));
    // `:frame NAME` again hides the panel (a terminal matter: nothing to ask the image).
    const framing = /^:frame\s+(\S+)\s*$/.exec(text.trim());
    if (framing && framed?.name === framing[1]) return setFramed(null);
    if (entryToRun(text).trim() === '') return; // an empty `:{` `:}` group
    setNow(Date.now());
    setRunning(Date.now());
    const result = await engine.submit(entryToRun(text));
    setRunning(null);
    setProgress(null);
    // Commands that open a panel answer through the one dispatcher like every other.
    const panel = result.panel;
    if (panel?.kind === 'inspect') {
      const { expression, view } = panel;
      setInspector({ expression, id: view.id, path: [], view, selected: 0 });
      if (result.printed.length) append(result.printed.join('\n'));
    } else if (panel?.kind === 'frame') {
      setFramed({ name: panel.name, text: result.value ?? '' });
    } else append(renderResult(result, (stdout as { columns?: number }).columns || 80));
    // The status is only shown: one that cannot be read now (the session is closing, the guest
    // is being revived) is read at the next refresh.
    await refresh().catch(() => {});
    if (engine.quitRequested) quit();
  };

  const completeAtCursor = async () => {
    const current = editorRef.current;
    const before = current.text.slice(0, current.cursor);
    const { from, candidates } = completeCommand(before) ?? (await complete(engine, before));
    if (candidates.length === 0) return setHint('no completions');
    const common = commonPrefix(candidates);
    if (common.length > before.length - from) {
      setEditorState(applyCompletion(editorRef.current, from, common));
    }
    setHint(candidates.length === 1 ? undefined : candidates.slice(0, 60).join('  '));
  };

  // The editor's state lives in a ref as well, so that several keys arriving in one chunk (a
  // paste, or tmux send-keys) are applied in order; keys after a submitted entry wait for it.
  const editorRef = useRef(editor);
  const queue = useRef<KeyInput[]>([]);
  const busy = useRef(false);
  const setEditorState = (state: EditorState) => {
    editorRef.current = state;
    setEditor(state);
  };

  const drain = async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      while (queue.current.length > 0) {
        const next = queue.current.shift()!;
        await handleKey(next);
      }
    } finally {
      busy.current = false;
    }
  };

  // Ctrl-X Ctrl-E (bash's edit-and-execute-command): the entry in the editor, run when it exits.
  const ctrlX = useRef(false);
  const editEntry = async () => {
    const edited = await editText(editorRef.current.text, 'entry.ts');
    if ('error' in edited) return setHint(edited.error);
    const entry = edited.text.replace(/\n+$/, '');
    if (entry.trim() === '') return setEditorState(clearEntry(editorRef.current));
    setEditorState(pushHistory(editorRef.current, entry));
    await submit(entry);
  };

  const handleKey = async ({ input, key }: KeyInput) => {
    const afterCtrlX = ctrlX.current;
    ctrlX.current = key.ctrl === true && input === 'x';
    if (ctrlX.current) return;
    if (afterCtrlX && key.ctrl && input === 'e') return editEntry();
    if (key.ctrl && input === 't') {
      setPanel((p) => !p);
      return;
    }
    if (drawn.current.panel && (key.pageUp || key.pageDown)) {
      // A page is the rows the panel shows; the offset is clamped when the panel is drawn.
      const { offset, rows } = drawn.current;
      const page = Math.max(1, rows - 2);
      setDefsOffset(Math.max(0, key.pageUp ? offset - page : offset + page));
      return;
    }
    const { state, action } = editorKey(editorRef.current, { input, key }, (text) =>
      entryComplete(text, isComplete),
    );
    setEditorState(state);
    if (action.type !== 'complete') setHint(undefined);
    if (action.type !== 'interrupt') setArmedExit(false);
    switch (action.type) {
      case 'submit':
        setEditorState(pushHistory(editorRef.current, action.text));
        await submit(action.text);
        return;
      case 'complete':
        await completeAtCursor();
        return;
      case 'eof':
        quit();
        return;
      case 'clear-screen':
        // Ctrl-L: ink erases its frame, the screen is cleared, and ink draws the frame again at
        // the top (the scrollback stays, as in bash).
        write('\u001b[H\u001b[2J');
        return;
      case 'interrupt':
        if (state.text !== '' || state.search !== null) setEditorState(clearEntry(state));
        else if (armedExit) quit();
        else {
          setArmedExit(true);
          setHint(
            status.opening
              ? GIVE_UP_OPENING
              : engine.readOnlyFile
                ? '(To exit, press Ctrl-C again or Ctrl-D; read-only: nothing is written)'
                : '(To exit, press Ctrl-C again or Ctrl-D; the image is saved first)',
          );
        }
        return;
    }
  };

  useInput((input, key) => {
    if (inspector) return inspectorKey(input, key);
    if (running !== null) {
      // Ctrl-C and Ctrl-D always reach the session, whatever the guest is doing: Ctrl-C stops the
      // running entry; Ctrl-D stops it and quits (saving first) once it has stopped.
      if (key.ctrl && input === 'c') engine.interrupt();
      else if (key.ctrl && input === 'd') {
        engine.requestQuit();
        engine.interrupt();
      } else queue.current.push(...splitKeys(input, key));
      return;
    }
    // Between entries the guest may still be running a process tick or a timer callback: Ctrl-C
    // stops it too (it is reported as stopped by Ctrl-C), and then edits the line as usual.
    if (key.ctrl && input === 'c') engine.interrupt();
    queue.current.push(...splitKeys(input, key));
    void drain();
  });

  const runningText =
    running === null
      ? undefined
      : status.opening
        ? // Whole in 80 columns: how to get out must not be cut off.
          `${spinner(now)} waiting for the image to open · Ctrl-C stops the replay · Ctrl-D gives up`
        : `${spinner(now)} running ${((now - running) / 1000).toFixed(1)} s${progress ? ' · ' + progressText(progress) : ''} · Ctrl-C stops it (the image stays as it was)`;

  // What is drawn below the panels: the inspector, or the prompt and its hint.
  const below = inspector
    ? inspector.view.fields.length + 5
    : running !== null
      ? 0
      : textRows(editor.text, screen.columns, PROMPT.length + 1) +
        (hint ? textRows(hint, screen.columns) : 0);
  // The whole frame stays shorter than the window (ink redraws in place only then): the status
  // line, one spare row, and what is below come first; the panels share the rest.
  const room = screen.rows - 1 - 1 - below;
  if (panel) stdlib.current ??= preludeNames(engine.options.prelude ?? []);
  const list = panel
    ? panelLines(defs, {
        changed: engine.changedSinceSave,
        stdlib: stdlib.current ?? new Set(),
        rows: (framed ? Math.floor(room / 2) : room) - DEFS_CHROME_ROWS,
        offset: defsOffset,
        opening: status.opening,
      })
    : undefined;
  drawn.current = { panel: !!list, offset: list?.offset ?? 0, rows: list?.lines.length ?? 0 };

  return h(
    Box,
    { flexDirection: 'column' },
    h(Static<LogLine>, {
      items: log,
      children: (line: LogLine) => h(Text, { key: line.id }, line.text),
    }),
    list ? h(DefinitionsPanel, { lines: list.lines, columns: screen.columns }) : null,
    framed
      ? h(FramePanel, {
          ...framed,
          columns: screen.columns,
          rows: frameRoom(screen, {
            above: list ? list.lines.length + DEFS_CHROME_ROWS : 0,
            below,
          }),
        })
      : null,
    inspector ? h(InspectorView, { inspector }) : null,
    running === null && !inspector ? h(PromptView, { editor, hint }) : null,
    h(StatusLine, {
      status,
      running: runningText,
      columns: (stdout as { columns?: number }).columns || 80,
    }),
  );
}

function commonPrefix(words: string[]): string {
  let prefix = words[0] ?? '';
  for (const w of words) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
