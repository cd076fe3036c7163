// The connection file Jupyter hands a kernel (`--connection-file F`): where to bind its five
// sockets and the key that signs every message. Read strictly: a bad file is refused with what
// was wrong, before anything is bound.
import { readFileSync } from 'node:fs';

export interface Connection {
  transport: 'tcp' | 'ipc';
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
}

export type Channel = 'shell' | 'iopub' | 'stdin' | 'control' | 'hb';

export function readConnectionFile(path: string): Connection {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the connection file ${path}: ${(error as Error).message}`);
  }
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`the connection file ${path} is not JSON: ${(error as Error).message}`);
  }
  const problem = (what: string) => new Error(`the connection file ${path}: ${what}`);
  if (data === null || typeof data !== 'object') throw problem('not a JSON object');
  const transport = data.transport ?? 'tcp';
  if (transport !== 'tcp' && transport !== 'ipc') {
    throw problem(`transport "${String(transport)}" is not supported (tcp or ipc)`);
  }
  const ports = ['shell_port', 'iopub_port', 'stdin_port', 'control_port', 'hb_port'] as const;
  for (const port of ports) {
    const value = data[port];
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 65535) {
      throw problem(`${port} must be a port number, not ${JSON.stringify(value)}`);
    }
  }
  if (typeof data.ip !== 'string' || data.ip === '') throw problem('ip must be a string');
  if (typeof (data.key ?? '') !== 'string') throw problem('key must be a string');
  const scheme = data.signature_scheme ?? 'hmac-sha256';
  // Checked here, before the image opens: a kernel that cannot sign must not start.
  if (scheme !== 'hmac-sha256' && (data.key ?? '') !== '') {
    throw problem(
      `signature_scheme ${JSON.stringify(scheme)} is not supported (only hmac-sha256 is)`,
    );
  }
  return {
    transport,
    ip: data.ip,
    key: (data.key as string | undefined) ?? '',
    signature_scheme: scheme as string,
    shell_port: data.shell_port as number,
    iopub_port: data.iopub_port as number,
    stdin_port: data.stdin_port as number,
    control_port: data.control_port as number,
    hb_port: data.hb_port as number,
  };
}

/** The ZeroMQ endpoint of one channel (ipc: `ipc://IP-PORT`, as jupyter_client names them). */
export function endpoint(connection: Connection, channel: Channel): string {
  const port = connection[`${channel}_port`];
  return connection.transport === 'tcp'
    ? `tcp://${connection.ip}:${port}`
    : `ipc://${connection.ip}-${port}`;
}
