// `:dump EXPR FILE`: a value written as JSON, where JSON can hold it. What it cannot hold is an
// error naming the path to it (`state.player.onHit is a function`), and nothing is written: a
// function (code, not data), a cycle, a Map or Set (no JSON form: convert it first), a BigInt, a
// symbol, NaN or an infinity. As JSON.stringify: `toJSON` is used (a Date is its ISO string), an
// undefined property is left out, class instances are their own enumerable properties.
import { lstatSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Engine } from '../engine/engine.ts';
import type { Result } from '../result.ts';

const MARK = '\u0000viv-dump:';

/** The guest code: EXPR's value as one line of JSON, printed after MARK. */
function dumpEntry(expression: string): string {
  return `console.log(${JSON.stringify(MARK)} + ((value) => {
  const inside = [];
  const walk = (v, path) => {
    if (v !== null && typeof v === 'object' && typeof v.toJSON === 'function') v = v.toJSON();
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return v;
      throw new TypeError(path + ' is ' + v + ': JSON has no such number');
    }
    if (typeof v === 'function') throw new TypeError(path + ' is a function: functions are code, not data');
    if (typeof v !== 'object') throw new TypeError(path + ' is a ' + typeof v + ': JSON has none');
    if (v instanceof Map || v instanceof Set) throw new TypeError(path + ' is a ' + (v instanceof Map ? 'Map' : 'Set') + ': JSON has none (convert it: Object.fromEntries(m), [...s])');
    if (inside.includes(v)) throw new TypeError(path + ' is a cycle: it refers back to a value that holds it');
    inside.push(v);
    let out;
    if (Array.isArray(v)) out = v.map((e, i) => (e === undefined ? null : walk(e, path + '[' + i + ']')));
    else {
      out = {};
      for (const key of Object.keys(v)) {
        if (v[key] === undefined) continue;
        // defined, not assigned: a key '__proto__' (JSON.parse makes one) is data like any other.
        Object.defineProperty(out, key, { value: walk(v[key], /^[A-Za-z_$][\\w$]*$/.test(key) ? path + '.' + key : path + '[' + JSON.stringify(key) + ']'), enumerable: true, writable: true, configurable: true });
      }
    }
    inside.pop();
    return out;
  };
  if (value === undefined) throw new TypeError(${JSON.stringify(expression)} + ' is undefined: JSON has no undefined');
  return JSON.stringify(walk(value, ${JSON.stringify(expression)}));
})((
${expression}
)))`;
}

export async function dumpValue(engine: Engine, args: string): Promise<Result> {
  const match = /^([\s\S]+?)\s+(\S+)$/.exec(args.trim());
  if (!match) {
    return {
      ok: false,
      error: { name: 'UsageError', message: 'usage: :dump EXPR FILE' },
      printed: [],
    };
  }
  const [, expression, file] = match as unknown as [string, string, string];
  // EXPR runs as an entry (as :inspect's does: one transaction, journaled).
  const result = await engine.evaluate(dumpEntry(expression));
  const line = result.printed.find((l) => l.startsWith(MARK));
  const printed = result.printed.filter((l) => !l.startsWith(MARK));
  if (!result.ok) {
    const error = result.error!;
    const message = error.name === 'TypeError' ? error.message : `${expression}: ${error.message}`;
    return {
      ok: false,
      error: { name: 'DumpError', message: `${message}; nothing was written` },
      printed,
    };
  }
  if (line === undefined) {
    return {
      ok: false,
      error: {
        name: 'DumpError',
        message: `${expression} is too large to dump (an entry prints at most 1 MB); nothing was written`,
      },
      printed,
    };
  }
  // Renamed over, a device or a pipe would be replaced by a plain file (as root, /dev/full too).
  const special = notAFile(file);
  if (special) {
    return {
      ok: false,
      error: {
        name: 'DumpError',
        message: `cannot write ${file}: it is ${special}, not a file; nothing was written`,
      },
      printed,
    };
  }
  const json = JSON.stringify(JSON.parse(line.slice(MARK.length)), null, 2) + '\n';
  // Beside the file first, then renamed over it: a full disk leaves an earlier dump whole.
  const temp = join(dirname(file), `.${basename(file)}.viv-new`);
  try {
    writeFileSync(temp, json);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    return {
      ok: false,
      error: {
        name: 'DumpError',
        message: `cannot write ${file}: ${why(error as NodeJS.ErrnoException)}; nothing was written`,
      },
      printed,
    };
  }
  return {
    ok: true,
    value: `wrote ${expression} to ${file} (${Buffer.byteLength(json)} bytes of JSON)`,
    printed,
  };
}

/**
 * What is at `file` when it is a device, a pipe or a socket (a link is replaced; a folder refuses
 * the rename itself).
 */
function notAFile(file: string): string | undefined {
  let stat;
  try {
    stat = lstatSync(file);
  } catch {
    return undefined; // not there (or not reachable: the write says why)
  }
  if (stat.isFile() || stat.isSymbolicLink() || stat.isDirectory()) return undefined;
  return 'a device, pipe or socket';
}

/** Why a file could not be written, in words that name no temporary file. */
export function why(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOSPC':
      return 'the disk is full';
    case 'ENOENT':
      return 'no such folder';
    case 'ENOTDIR':
      return 'a part of its path is a file, not a folder';
    case 'EISDIR':
      return 'it is a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return error.message;
  }
}
