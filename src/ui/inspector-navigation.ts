// `:inspect`: the inspector's state (the value shown, the path walked into it, the selected field)
// and the keys that move through it: up and down select, Enter or right opens, left or Backspace
// goes back, Escape, q or Ctrl-C close it.
import { useState } from 'react';
import type { SessionPort } from '../session/port.ts';
import { inspect } from '../session/commands/queries.ts';
import type { KeyInput } from './editor-state.ts';
import type { InspectorState } from './views.ts';

export function useInspector(engine: SessionPort, append: (text: string) => void) {
  const [inspector, setInspector] = useState<InspectorState | null>(null);

  const walk = async (path: string[]) => {
    if (!inspector) return;
    const view = await inspect(engine, { id: inspector.id }, path);
    if ('error' in view) return append(`Uncaught ${view.error.name}: ${view.error.message}`);
    setInspector({ ...inspector, path, view, selected: 0 });
  };

  const inspectorKey = (input: string, key: KeyInput['key']) => {
    if (!inspector) return;
    const fields = inspector.view.fields;
    if (key.escape || input === 'q' || (key.ctrl && input === 'c')) setInspector(null);
    else if (key.upArrow)
      setInspector({ ...inspector, selected: Math.max(0, inspector.selected - 1) });
    else if (key.downArrow) {
      setInspector({ ...inspector, selected: Math.min(fields.length - 1, inspector.selected + 1) });
    } else if (key.return || key.rightArrow) {
      const field = fields[inspector.selected];
      if (field?.expandable) void walk([...inspector.path, field.key]);
    } else if (key.leftArrow || key.backspace || key.delete) {
      if (inspector.path.length > 0) void walk(inspector.path.slice(0, -1));
    }
  };

  return { inspector, setInspector, inspectorKey };
}
