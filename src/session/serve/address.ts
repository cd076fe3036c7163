// Where a served image listens, and how `viv attach` finds it. By default a Unix socket beside the
// image (`IMAGE.sock`); a path longer than a socket address can hold (107 bytes on Linux) falls
// back to a short one under $XDG_RUNTIME_DIR or the temporary directory. Whichever it is, the
// server writes it to `IMAGE.address` (one line, removed when it stops), so `viv attach IMAGE`
// needs nothing else. Loopback TCP on request (`--listen 127.0.0.1:PORT`); any other address only
// with `--listen-anywhere`, since the token is then all that guards the image.
import { sha256 } from '../../shared/hash.ts';
import { existsSync, lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive, OWN_START, processStat } from '../store/process-info.ts';

export type Address = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** The longest socket path Linux takes (sun_path is 108 bytes with its terminating NUL). */
export const MAX_SOCKET_PATH = 107;

export class AddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressError';
  }
}

/** The socket a served image listens on when no `--listen` is given. */
export function defaultSocket(image: string, env: NodeJS.ProcessEnv = process.env): string {
  const beside = `${image}.sock`;
  if (Buffer.byteLength(beside) <= MAX_SOCKET_PATH) return beside;
  const runtime = env.XDG_RUNTIME_DIR;
  const dir = runtime && runtime.startsWith('/') && existsSync(runtime) ? runtime : tmpdir();
  const id = sha256(image).slice(0, 16);
  return join(dir, `viv-${id}.sock`);
}

/** `--listen HOST:PORT`: a loopback TCP address, or any with `anywhere`. */
export function parseListen(spec: string, anywhere: boolean): Address {
  const address = parseAddress(spec);
  if (address.kind === 'unix') return address;
  if (!anywhere && !isLoopback(address.host)) {
    throw new AddressError(
      `--listen ${spec}: ${address.host} is not a loopback address; anyone who can reach it could try the token. Listen on 127.0.0.1 (and tunnel, e.g. ssh -L), or add --listen-anywhere`,
    );
  }
  return address;
}

/** Whether what `viv attach TARGET` names is an address (`unix:`, `HOST:PORT`), not an image. */
export function looksLikeAddress(target: string): boolean {
  return /^(unix:|tcp:|\[|[^/]*:\d+$)/.test(target);
}

/** `unix:PATH`, an absolute path (a socket), `HOST:PORT` or `[V6]:PORT`. */
export function parseAddress(text: string): Address {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length);
    if (!path) throw new AddressError(`"${text}" names no socket: give unix:PATH`);
    return { kind: 'unix', path };
  }
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  const match = /^(?:tcp:)?(?:\[([^\]]+)\]|([^:\s]*)):(\d+)$/.exec(text);
  if (!match) {
    throw new AddressError(
      `"${text}" is not an address: give HOST:PORT (127.0.0.1:7000), [::1]:PORT, or unix:PATH`,
    );
  }
  const host = match[1] ?? (match[2] || '127.0.0.1');
  const port = Number(match[3]);
  if (port > 65535) throw new AddressError(`"${text}": port ${port} is past 65535`);
  if (host !== 'localhost' && isIP(host) === 0) {
    throw new AddressError(`"${text}": ${host} is not an IP address (or localhost)`);
  }
  return { kind: 'tcp', host, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function formatAddress(address: Address): string {
  if (address.kind === 'unix') return `unix:${address.path}`;
  return isIP(address.host) === 6
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/** The file beside an image that says where it is served. */
export function addressFile(image: string): string {
  return `${image}.address`;
}

export function writeAddressFile(image: string, address: Address): void {
  const file = addressFile(image);
  const temp = `${file}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  // O_EXCL: never through a link someone left at the temporary name.
  // The second line names the server (pid and start time): an attach can tell a file left by a
  // server that was killed from a live one, and not send the token to whatever took its port.
  const server = `${process.pid}${OWN_START ? ` ${OWN_START}` : ''}`;
  writeFileSync(temp, `${formatAddress(address)}\n${server}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(temp, file);
}

/**
 * Refuses a file or socket the client would trust with its token (where to send it) when
 * someone else could have put it there: it must be its user's, and not writable by others.
 */
export function checkOwnFile(path: string, what: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new AddressError(
      `${what} ${path} belongs to another user (uid ${stat.uid}): not sending the token there`,
    );
  }
  if (stat.isFile() && (stat.mode & 0o022) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new AddressError(
      `${what} ${path} can be written by others (mode ${mode}): not sending the token where it says`,
    );
  }
}

export function removeAddressFile(image: string): void {
  rmSync(addressFile(image), { force: true });
}

/** A socket file left by a server that was killed (the caller holds the image's lock). */
export function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) rmSync(path);
  } catch {
    // None there.
  }
}

/**
 * What `viv attach TARGET` reaches: an address (HOST:PORT, unix:PATH, a socket's path) or an
 * image, whose address and token are beside it. `tokenFile` (`--token-file`) overrides.
 */
export function resolveTarget(
  target: string,
  tokenFile: string | undefined,
): { address: Address; tokenFile: string; image?: string } {
  const isSocket = (() => {
    try {
      return lstatSync(target.replace(/^unix:/, '')).isSocket();
    } catch {
      return false;
    }
  })();
  if (isSocket || /^unix:/.test(target) || /^(tcp:)?(\[[^\]]*\]|[^:/\s]*):\d+$/.test(target)) {
    const address = parseAddress(
      isSocket && !target.startsWith('unix:') ? `unix:${target}` : target,
    );
    if (tokenFile) return { address, tokenFile };
    if (address.kind === 'unix' && address.path.endsWith('.sock')) {
      return { address, tokenFile: address.path.slice(0, -'.sock'.length) + '.token' };
    }
    throw new AddressError(
      `attaching to ${formatAddress(address)} needs --token-file FILE (the server wrote it beside its image: IMAGE.token)`,
    );
  }
  const file = addressFile(target);
  checkOwnFile(file, 'the address file');
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    throw new AddressError(
      `${target} is not being served: there is no ${file} (start it with: viv serve ${target})`,
    );
  }
  const [line = '', server = ''] = text.split('\n');
  const [pid, start] = server.trim().split(' ');
  if (pid && /^\d+$/.test(pid)) {
    const stat = processStat(Number(pid));
    const alive = stat
      ? stat.state !== 'Z' && (!start || stat.start === start)
      : isProcessAlive(Number(pid));
    if (!alive) {
      throw new AddressError(
        `${target} is not being served: the server that wrote ${file} (pid ${pid}) is gone, killed before it could remove it (start it again with: viv serve ${target})`,
      );
    }
  }
  return {
    address: parseAddress(line.trim()),
    tokenFile: tokenFile ?? `${target}.token`,
    image: target,
  };
}
