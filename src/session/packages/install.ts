// Installing an npm package into an image's package folder (`IMAGE.packages/`, beside the image):
// npm itself, with `--ignore-scripts`, so that no code of the package runs on the host (it runs
// only in the isolate, bundled); `--save-exact` so that the folder's package.json pins it. What
// the image records (version, integrity) comes from the folder's lockfile.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PackageInfo } from '../../shared/types.ts';

export class PackageError extends Error {
  override name = 'PackageError';
}

const MANIFEST = {
  name: 'vivarium-image-packages',
  private: true,
  description: 'npm packages of a Vivarium image (installed by :install; bundled into the image)',
};

/** Creates the folder and its package.json when they are not there yet. */
export function ensureFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) writeFileSync(manifest, JSON.stringify(MANIFEST, null, 2) + '\n');
}

/** The version and integrity of an installed package, from the folder's lockfile. */
export function installedPackage(dir: string, name: string): PackageInfo | undefined {
  let lock: { packages?: Record<string, { version?: string; integrity?: string }> };
  try {
    lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const entry = lock.packages?.[`node_modules/${name}`];
  if (!entry?.version || !existsSync(join(dir, 'node_modules', name, 'package.json'))) {
    return undefined;
  }
  return { name, version: entry.version, integrity: entry.integrity ?? '' };
}

/** The folder's package.json and lockfile as they are (put back when a package is refused). */
export function folderState(dir: string): () => void {
  ensureFolder(dir);
  const files = ['package.json', 'package-lock.json'].map((f) => join(dir, f));
  const saved = files.map((f) => (existsSync(f) ? readFileSync(f) : undefined));
  return () =>
    files.forEach((f, i) => {
      const content = saved[i];
      if (content) writeFileSync(f, content);
      else rmSync(f, { force: true });
    });
}

/**
 * `npm install --ignore-scripts --save-exact SPEC` in the folder. Rejects with npm's own
 * explanation (no such package, no such version, registry unreachable) when it fails.
 */
export async function npmInstall(
  dir: string,
  spec: string,
  signal?: AbortSignal,
): Promise<PackageInfo> {
  ensureFolder(dir);
  const args = [
    'install',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--save-exact',
    '--no-progress',
    '--loglevel=error',
    spec,
  ];
  const { code, output } = await run('npm', args, dir, signal);
  if (signal?.aborted)
    throw new PackageError(`npm install ${spec} was stopped; the image is as it was`);
  if (code !== 0) {
    throw new PackageError(`npm install ${spec} failed: ${summarize(output)}`);
  }
  const name = spec.startsWith('@') ? '@' + spec.slice(1).split('@')[0] : spec.split('@')[0]!;
  const info = installedPackage(dir, name);
  if (!info)
    throw new PackageError(`npm installed ${spec}, but ${dir}/package-lock.json does not list it`);
  return info;
}

function run(
  command: string,
  args: string[],
  cwd: string,
  signal?: AbortSignal,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: npmEnv(),
      ...(signal ? { signal } : {}),
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', (error) => resolve({ code: -1, output: `cannot run npm: ${error.message}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/**
 * The environment npm runs in: the session's, without what an enclosing `npm run` exported about
 * its own project (its prefix, its lifecycle), which would make npm install there instead; and
 * without `--no-node-snapshot` in NODE_OPTIONS (isolated-vm's README asks for it where isolates
 * run, and npm test sets it): npm hosts no isolate, and starts ~40% slower without the snapshot.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.NODE_OPTIONS) env.NODE_OPTIONS = withNodeSnapshot(env.NODE_OPTIONS);
  for (const key of Object.keys(env)) {
    if (
      /^npm_(package|lifecycle)_/.test(key) ||
      key === 'npm_config_prefix' ||
      key === 'npm_config_local_prefix' ||
      key === 'npm_config_global'
    ) {
      delete env[key];
    }
  }
  return env;
}

/** NODE_OPTIONS without `--no-node-snapshot`, for a Node that hosts no isolate. */
export function withNodeSnapshot(options: string): string {
  return options.replace(/(^|\s)--no-node-snapshot(?=\s|$)/g, '').trim();
}

/** npm's error lines, without its log-file boilerplate. */
function summarize(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.replace(/^npm (error|ERR!) ?/, '').trim())
    .filter((l) => l && !/complete log of this run|A complete log|^at /.test(l));
  return lines.slice(0, 6).join('; ') || 'npm gave no reason';
}
