// The transcript: each entry as it was typed and what it printed and answered, drawn once above the
// frame (ink's Static, so output never tears the prompt) and kept to be written again after the
// terminal is resized.
import { useRef, useState } from 'react';
import { highlightAnsi, promptAnsi } from './highlight.ts';
import { useRedrawOnResize } from './redraw-on-resize.ts';
import { CONTINUATION, PROMPT } from './views.ts';

export interface LogLine {
  id: number;
  text: string;
}

export function useTranscript(stdout: NodeJS.WritableStream, write: (data: string) => void) {
  const [log, setLog] = useState<LogLine[]>([]);
  const nextId = useRef(0);

  const logRef = useRef(log);
  logRef.current = log;
  useRedrawOnResize(stdout, write, () => logRef.current.map((line) => line.text));

  const append = (text: string) => setLog((lines) => [...lines, { id: nextId.current++, text }]);
  return { log, append };
}

/** The submitted entry as the prompt showed it: coloured the same way. */
export function echo(text: string): string {
  return text
    .split('\n')
    .map((line, i) => promptAnsi(i === 0 ? PROMPT : CONTINUATION) + highlightAnsi(line))
    .join('\n');
}
