// The `:commands` of code in and out of the image (their rows of the command table).
import type { Command } from '../commands/command.ts';
import type { Result } from '../result.ts';
import { dumpValue } from './dump.ts';
import { editDefinition } from './edit.ts';
import { exportCode, renderExport } from './export.ts';
import { CodeIoError } from './image-code.ts';
import { importCode } from './import.ts';
import { loadFile } from './load.ts';

const usage = (text: string): Result => ({
  ok: false,
  error: { name: 'UsageError', message: `usage: ${text}` },
  printed: [],
});

export const codeCommands: Command[] = [
  {
    name: 'load',
    usage: ':load FILE',
    help: 'apply a .ts/.js file as one entry (one transaction); errors name the file and line',
    run: async (engine, args) =>
      args.trim() ? loadFile(engine, args.trim()) : usage(':load FILE'),
  },
  {
    name: 'export',
    usage: ':export DIR',
    help: "write the image's code to DIR: one .ts file per definition and vivarium.json (names, kinds, versions, load order); byte-stable, for git",
    run: async (engine, args) => {
      const dir = args.trim();
      if (!dir) return usage(':export DIR');
      try {
        return { ok: true, value: renderExport(await exportCode(engine, dir)), printed: [] };
      } catch (error) {
        if (!(error instanceof CodeIoError || (error as NodeJS.ErrnoException).code)) throw error;
        return {
          ok: false,
          error: { name: 'ExportError', message: (error as Error).message },
          printed: [],
        };
      }
    },
  },
  {
    name: 'import',
    usage: ':import PATH',
    help: 'apply a file or an exported folder as one transaction (migrations included); only changed definitions get a new version; never removes one',
    run: async (engine, args) =>
      args.trim() ? importCode(engine, args.trim()) : usage(':import PATH'),
  },
  {
    name: 'edit',
    usage: ':edit NAME',
    help: "open a definition's current source in $VISUAL / $EDITOR (else vi); the edited file runs as one entry",
    run: async (engine, args) => editDefinition(engine, args.trim()),
  },
  {
    name: 'dump',
    usage: ':dump EXPR FILE',
    help: "write EXPR's value to FILE as JSON (an error names what JSON cannot hold: a function, a cycle)",
    run: async (engine, args) => dumpValue(engine, args),
  },
];
