// File names for definitions: `NAME.ts`, safe on every file system people keep code in. A name is
// a JavaScript identifier, which may hold `$`, any Unicode letter, and may differ from another
// only in case (`Point` and `point`): on macOS and Windows those would be one file. A name may be
// longer than a file system allows a file name to be (255 bytes): its stem is then cut, with a
// hash of the whole name so that two long names that share a beginning stay apart.
import { sha256 } from '../../shared/hash.ts';

const SAFE = /^[A-Za-z0-9_$]+$/;
/** Names Windows refuses as file names, with any extension. */
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;
/** The longest stem (ASCII): with `~NN.ts` well inside the 255 bytes file systems allow. */
const MAX_STEM = 120;

/** The file stem of one name, before case collisions are settled. */
function stem(name: string): string {
  let out = SAFE.test(name)
    ? name
    : [...name]
        .map((c) => (/[A-Za-z0-9_$]/.test(c) ? c : `_u${c.codePointAt(0)!.toString(16)}_`))
        .join('');
  if (RESERVED.test(out)) out += '_';
  if (out.length > MAX_STEM) {
    const hash = sha256(name).slice(0, 12);
    out = `${out.slice(0, MAX_STEM - 13)}_${hash}`;
  }
  return out;
}

/**
 * The file of each name (`NAME.ts`). Names that would share a file on a case-insensitive file
 * system are told apart by a suffix from their place among those names in code-unit order: the
 * first keeps its plain name (`Point.ts`, `point~2.ts`). It depends only on the names that
 * collide, not on the order the definitions were made in, so it is stable from one export to the
 * next.
 */
export function fileNames(names: string[]): Map<string, string> {
  const groups = new Map<string, string[]>();
  for (const name of names) {
    const key = stem(name).toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), name]);
  }
  const out = new Map<string, string>();
  for (const group of groups.values()) {
    const sorted = [...group].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    sorted.forEach((name, i) => {
      out.set(name, i === 0 ? `${stem(name)}.ts` : `${stem(name)}~${i + 1}.ts`);
    });
  }
  return out;
}
