// `:frame NAME`: the frame of that process, asked of the session again while its panel is shown.
import { useEffect, useState } from 'react';
import type { SessionPort } from '../session/port.ts';
import { frame } from '../session/commands/queries.ts';

export function useFramedProcess(engine: SessionPort) {
  /** `:frame NAME`: a live panel of that process's frame. */
  const [framed, setFramed] = useState<{ name: string; text: string } | null>(null);
  // The frame panel repaints at most 30 times a second, and only when the frame changed.
  const framedName = framed?.name;
  useEffect(() => {
    if (!framedName) return;
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void frame(engine, framedName).then((next) => {
        busy = false;
        const text = 'text' in next ? next.text : next.error.message;
        setFramed((current) =>
          current?.name === framedName && current.text !== text
            ? { name: framedName, text }
            : current,
        );
      });
    }, 1000 / 30);
    return () => clearInterval(timer);
  }, [framedName]);
  return [framed, setFramed] as const;
}
