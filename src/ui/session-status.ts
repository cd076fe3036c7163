// What the status line and the definitions panel show of the session (the image, whether it is
// saved, the heap, the definitions and processes), and the refresh that asks the session again.
import { useState } from 'react';
import type { DefSummary } from '../shared/types.ts';
import type { SessionPort } from '../session/port.ts';
import { definitions, processCount } from '../session/commands/queries.ts';
import type { StatusInfo } from './views.ts';

export function useSessionStatus(engine: SessionPort, imageName: string) {
  const [defs, setDefs] = useState<DefSummary[]>([]);
  const [status, setStatus] = useState<StatusInfo>({
    image: imageName,
    dirty: engine.dirty,
    heapUsed: 0,
    heapLimit: engine.options.memoryMB * 1024 * 1024,
    definitions: 0,
    processes: 0,
    readOnly: engine.readOnlyFile,
    opening: engine.opening !== undefined,
  });

  const refresh = async () => {
    const [list, heap, processes] = await Promise.all([
      definitions(engine),
      engine.heap(),
      processCount(engine),
    ]);
    setDefs(list);
    setStatus((s) => ({
      ...s,
      opening: false,
      // The last save (autosave included) shows only while nothing is unsaved.
      dirty: engine.dirty || engine.changedSinceSave.size > 0,
      savedAt: engine.lastSaved,
      heapUsed: heap.used,
      heapLimit: heap.limit,
      definitions: list.length,
      processes,
    }));
  };
  return { defs, status, refresh };
}
