// `viv jupyter install`: registers a kernelspec, so that Jupyter (JupyterLab, Notebook, VS Code,
// nbclient) can start `viv jupyter` on an image. The spec runs this checkout's Node and bin/viv.js
// by absolute path, so it works whatever `node` is first on PATH.
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface InstallOptions {
  /** `--prefix P`: P/share/jupyter/kernels/NAME (a virtualenv's or conda's prefix). */
  prefix?: string;
  /** The image the kernel opens (as `viv IMAGE`); none: the REPL's default image. */
  image?: string;
  /** The kernelspec's directory name (default `vivarium`). */
  name?: string;
  /** Options of the kernel, as `viv` takes them (`--memory MB`, `--timeout MS`, `--autosave S`). */
  kernelArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** The Node that runs the kernel (default: the one running now). */
  node?: string;
}

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: 'message';
  metadata: Record<string, unknown>;
}

/** The user's Jupyter data directory, as jupyter_core finds it on Linux and macOS. */
export function jupyterDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, 'jupyter');
  return join(env.HOME || homedir(), '.local', 'share', 'jupyter');
}

export function kernelSpec(options: InstallOptions): KernelSpec {
  const viv = fileURLToPath(new URL('../../../bin/viv.js', import.meta.url));
  const node = options.node ?? process.execPath;
  const argv = [node, viv, 'jupyter', '--connection-file', '{connection_file}'];
  if (options.image) argv.push('--image', resolve(options.image));
  argv.push(...(options.kernelArgs ?? []));
  const named = options.name && options.name !== 'vivarium';
  return {
    argv,
    display_name: named ? `Vivarium (TypeScript, ${options.name})` : 'Vivarium (TypeScript)',
    language: 'typescript',
    // An interrupt is a message on the control channel (as Ctrl-C at the prompt), not SIGINT.
    interrupt_mode: 'message',
    metadata: {},
  };
}

/** Writes NAME/kernel.json; returns its directory. */
export function installKernelSpec(options: InstallOptions): string {
  const name = options.name ?? 'vivarium';
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new Error(
      `--name must be letters, digits, ".", "_" or "-" (a directory name), not "${name}"`,
    );
  }
  const root = options.prefix
    ? join(resolve(options.prefix), 'share', 'jupyter')
    : jupyterDataDir(options.env);
  const dir = join(root, 'kernels', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify(kernelSpec(options), null, 2) + '\n');
  return dir;
}
