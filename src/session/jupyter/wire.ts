// The Jupyter wire format (messaging protocol 5.3): a message is a multipart ZeroMQ message
//   [routing ids..., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers...]
// signed with HMAC-SHA256 of the four JSON parts under the connection file's key. Incoming
// signatures are checked in constant time; a message that fails is refused before it is parsed
// any further (the kernel drops it and says so on stderr, never runs it).
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const PROTOCOL_VERSION = '5.3';
const DELIMITER = '<IDS|MSG>';

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface Message {
  /** ROUTER routing ids (who to answer); empty on PUB. */
  identities: Buffer[];
  header: Header;
  /** The request this message answers or follows (`{}` when none). */
  parent: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

/** Why an incoming multipart message was refused. */
export class WireError extends Error {}

export class Signer {
  readonly #key: Buffer;

  /** An empty key turns signing off (the protocol's rule: the signature is then empty). */
  constructor(key: string, scheme = 'hmac-sha256') {
    if (key !== '' && scheme !== 'hmac-sha256') {
      throw new WireError(
        `signature_scheme "${scheme}" is not supported (only hmac-sha256 is): check the connection file`,
      );
    }
    this.#key = Buffer.from(key, 'utf8');
  }

  sign(parts: Buffer[]): string {
    if (this.#key.length === 0) return '';
    const hmac = createHmac('sha256', this.#key);
    for (const part of parts) hmac.update(part);
    return hmac.digest('hex');
  }

  /** Constant-time comparison of `signature` with the one `parts` should carry. */
  verify(signature: Buffer, parts: Buffer[]): boolean {
    if (this.#key.length === 0) return true;
    const expected = Buffer.from(this.sign(parts), 'utf8');
    // Lengths differ only for a malformed signature; comparing equal lengths stays constant-time.
    if (signature.length !== expected.length) return false;
    return timingSafeEqual(signature, expected);
  }
}

/**
 * Splits and verifies a multipart message. Throws WireError naming what was wrong: no delimiter,
 * missing parts, a bad signature, a part that is not a JSON object.
 */
export function decode(frames: Buffer[], signer: Signer): Message {
  const at = frames.findIndex((f) => f.length === DELIMITER.length && f.toString() === DELIMITER);
  if (at === -1) throw new WireError('no "<IDS|MSG>" delimiter frame');
  if (frames.length < at + 6) {
    throw new WireError(
      `${frames.length - at - 1} frames after the delimiter: a signature and 4 JSON parts needed`,
    );
  }
  const signature = frames[at + 1]!;
  const parts = frames.slice(at + 2, at + 6);
  if (!signer.verify(signature, parts)) throw new WireError('bad signature');
  const [header, parent, metadata, content] = parts.map((part, i) => {
    const name = ['header', 'parent_header', 'metadata', 'content'][i]!;
    let value: unknown;
    try {
      value = JSON.parse(part.toString('utf8'));
    } catch (error) {
      throw new WireError(`the ${name} is not JSON: ${(error as Error).message}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new WireError(`the ${name} is not a JSON object`);
    }
    return value as Record<string, unknown>;
  });
  if (typeof header!.msg_type !== 'string' || typeof header!.msg_id !== 'string') {
    throw new WireError('the header has no msg_type or msg_id');
  }
  return {
    identities: frames.slice(0, at),
    header: header as unknown as Header,
    parent: parent as Message['parent'],
    metadata: metadata!,
    content: content!,
    buffers: frames.slice(at + 6),
  };
}

/** The frames of a signed message. */
export function encode(
  signer: Signer,
  message: Pick<Message, 'header' | 'parent' | 'content'> & {
    identities?: Buffer[];
    metadata?: Record<string, unknown>;
  },
): Buffer[] {
  const parts = [message.header, message.parent, message.metadata ?? {}, message.content].map(
    (part) => Buffer.from(JSON.stringify(part), 'utf8'),
  );
  return [
    ...(message.identities ?? []),
    Buffer.from(DELIMITER),
    Buffer.from(signer.sign(parts)),
    ...parts,
  ];
}

/** A new header of the kernel's session. */
export function header(session: string, msgType: string): Header {
  return {
    msg_id: randomUUID(),
    session,
    username: 'vivarium',
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}
