// `vivarium.json`, the manifest of an exported folder: which file holds which definition, with its
// kind and version, in load order. Written byte-stable (keys sorted, one definition per line);
// read strictly (a broken manifest is an error naming what is wrong, never guessed around).
// Readers ignore keys they do not know, so later formats can add some (`packages`, say).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DefKind, PackageInfo } from '../../shared/types.ts';
import { CodeIoError } from './image-code.ts';
import { isPackageName } from '../packages/names.ts';

export const MANIFEST = 'vivarium.json';
export const FORMAT = 'vivarium-code';
export const FORMAT_VERSION = 1;

/**
 * A definition's file: a `.ts`/`.js` file directly in the folder, not the manifest. A manifest
 * edited by hand is read strictly: `../x`, `README.md` or `vivarium.json` as a definition's file
 * would make import read, and a later export remove, a file that is not a definition's.
 */
export const CODE_FILE = /^[^./\\][^/\\]*\.(ts|js|mts|mjs)$/;
/** An exact package version, as an export writes it (`4.17.21`, `1.0.0-beta.2`). */
const EXACT_VERSION = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/;

export interface ManifestEntry {
  name: string;
  kind: DefKind;
  version: number;
  file: string;
}

export interface Manifest {
  format: string;
  formatVersion: number;
  /** In load order. */
  definitions: ManifestEntry[];
  /** npm packages the code imports, installed (at these versions) before the files apply. */
  packages?: PackageInfo[];
}

export function manifestText(definitions: ManifestEntry[], packages: PackageInfo[] = []): string {
  const line = (d: ManifestEntry) =>
    `    {"file": ${JSON.stringify(d.file)}, "kind": ${JSON.stringify(d.kind)}, "name": ${JSON.stringify(d.name)}, "version": ${d.version}}`;
  const packageLine = (p: PackageInfo) =>
    `    {"integrity": ${JSON.stringify(p.integrity)}, "name": ${JSON.stringify(p.name)}, "version": ${JSON.stringify(p.version)}}`;
  const sorted = [...packages].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [
    '{',
    definitions.length ? '  "definitions": [' : '  "definitions": [],',
    ...(definitions.length ? [definitions.map(line).join(',\n'), '  ],'] : []),
    `  "format": ${JSON.stringify(FORMAT)},`,
    `  "formatVersion": ${FORMAT_VERSION}${sorted.length ? ',' : ''}`,
    ...(sorted.length ? ['  "packages": [', sorted.map(packageLine).join(',\n'), '  ]'] : []),
    '}',
    '',
  ].join('\n');
}

/** The manifest of `dir`; undefined when it has none and `missingOk`. */
export function readManifest(
  dir: string,
  options: { missingOk?: boolean } = {},
): Manifest | undefined {
  const path = join(dir, MANIFEST);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && options.missingOk) return undefined;
    throw new CodeIoError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CodeIoError(`${path} is not JSON: ${(error as Error).message}`);
  }
  const bad = (what: string) => new CodeIoError(`${path}: ${what}`);
  const m = data as Partial<Manifest>;
  if (!m || typeof m !== 'object' || m.format !== FORMAT) {
    throw bad(`not a Vivarium manifest (its "format" should be "${FORMAT}")`);
  }
  if (m.formatVersion !== FORMAT_VERSION) {
    throw bad(
      `format version ${String(m.formatVersion)}; this Vivarium reads version ${FORMAT_VERSION}`,
    );
  }
  if (!Array.isArray(m.definitions)) throw bad('"definitions" should be a list');
  const fileOf = new Map<string, string>();
  m.definitions.forEach((d, i) => {
    if (!d || typeof d.name !== 'string' || typeof d.file !== 'string') {
      throw bad(`definitions[${i}] needs a "name" and a "file"`);
    }
    if (!CODE_FILE.test(d.file)) {
      throw bad(
        `definitions[${i}].file ${JSON.stringify(d.file)} must be a .ts or .js file directly in the folder`,
      );
    }
    const other = fileOf.get(d.name);
    if (other !== undefined && other !== d.file) {
      throw bad(
        `definitions[${i}]: ${JSON.stringify(d.name)} is listed twice, in ${other} and in ${d.file}`,
      );
    }
    fileOf.set(d.name, d.file);
  });
  if (m.packages !== undefined) {
    if (!Array.isArray(m.packages)) throw bad('"packages" should be a list');
    m.packages.forEach((p, i) => {
      if (!p || typeof p.name !== 'string' || typeof p.version !== 'string') {
        throw bad(`packages[${i}] needs a "name" and a "version"`);
      }
      // Only packages from the registry, at an exact version: never a URL, a path, git or a range.
      if (!isPackageName(p.name)) {
        throw bad(
          `packages[${i}].name ${JSON.stringify(p.name)} is not an npm package name (only registry packages are installed: no URLs, paths or git)`,
        );
      }
      if (!EXACT_VERSION.test(p.version)) {
        throw bad(
          `packages[${i}].version ${JSON.stringify(p.version)} of ${p.name} is not an exact version (as 1.2.3)`,
        );
      }
    });
  }
  return m as Manifest;
}
