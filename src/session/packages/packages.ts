// An image's npm packages, as the session sees them: the package folder beside the image (or a
// temporary one for an image that has no file), installing and bundling a package into the text
// of its module definition (`const lodash_es = $package(name, version, integrity, bundle)`), which
// is then entered like any entry: one transaction, journaled, its bundle kept in the image.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DefSummary, PackageInfo } from '../../shared/types.ts';
import { bundlePackage } from './bundle.ts';
import { folderState, installedPackage, npmInstall, PackageError } from './install.ts';
import { moduleName, parseSpec } from './names.ts';

export { PackageError } from './install.ts';

/** `IMAGE.json` -> `IMAGE.packages`, beside it. */
export function packageFolderOf(imagePath: string): string {
  return imagePath.replace(/\.json$/, '') + '.packages';
}

/** The packages an image holds (name, version, integrity): what an export's manifest lists. */
export function imagePackages(defs: DefSummary[]): PackageInfo[] {
  return defs
    .filter((d) => d.kind === 'module' && d.package)
    .map((d) => ({ ...d.package! }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The entry that defines (or redefines) a package's module definition. */
export function packageDeclaration(info: PackageInfo, code: string): string {
  const args = [info.name, info.version, info.integrity, code].map((a) => JSON.stringify(a));
  return `const ${moduleName(info.name)} = $package(${args.join(', ')})`;
}

export class ImagePackages {
  readonly #imagePath: () => string | undefined;
  #temp: string | undefined;
  /** Stops the npm install under way (Ctrl-C). */
  #stop: AbortController | undefined;

  constructor(imagePath: () => string | undefined) {
    this.#imagePath = imagePath;
  }

  /** Where this image's packages are installed. */
  folder(): string {
    const image = this.#imagePath();
    if (image) return packageFolderOf(image);
    this.#temp ??= mkdtempSync(join(tmpdir(), 'vivarium-packages-'));
    return this.#temp;
  }

  /**
   * The module definition's entry for `spec` (`name` or `name@version`). `reuse`: a package the
   * folder already holds is taken as it is (an `import` of a package the image lacks); otherwise
   * npm installs the spec (`:install`). A package that cannot run in the isolate is refused, and
   * the folder's package.json and lockfile are put back as they were (by `undo` when the entry
   * that enters it fails).
   */
  async prepare(
    spec: string,
    reuse: boolean,
  ): Promise<{ info: PackageInfo; source: string; undo: () => void }> {
    const parsed = parseSpec(spec);
    if (!parsed) throw new PackageError(`'${spec}' is not a package name (NAME or NAME@VERSION)`);
    const dir = this.folder();
    const have = reuse && !parsed.version ? installedPackage(dir, parsed.name) : undefined;
    const putBack = folderState(dir);
    const stop = (this.#stop = new AbortController());
    let info: PackageInfo;
    try {
      info = have ?? (await npmInstall(dir, spec, stop.signal));
    } catch (error) {
      putBack();
      throw error;
    } finally {
      this.#stop = undefined;
    }
    try {
      const code = await bundlePackage(dir, info.name);
      // `undo`: the entry failed (the package threw while loading): the folder as it was.
      return { info, source: packageDeclaration(info, code), undo: have ? () => {} : putBack };
    } catch (error) {
      if (!have) putBack();
      throw error;
    }
  }

  /** Ctrl-C: stops the npm install under way, if any (the package is then not installed). */
  interrupt(): void {
    this.#stop?.abort();
  }

  /** Removes the temporary folder (an image without a file). */
  dispose(): void {
    if (this.#temp) rmSync(this.#temp, { recursive: true, force: true });
    this.#temp = undefined;
  }
}
