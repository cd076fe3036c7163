// PROTOCOL.md is written from the op table (npm run protocol): it must say what the table says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { protocolDocument } from '../scripts/protocol.ts';

test('PROTOCOL.md is up to date with src/shared/ops.ts (npm run protocol writes it)', () => {
  const written = readFileSync(new URL('../PROTOCOL.md', import.meta.url), 'utf8');
  assert.equal(written, protocolDocument());
  for (const op of ['eval', 'commit', 'abort', 'snapshot', 'restoreRun', 'overrun']) {
    assert.match(written, new RegExp(`\\| \`${op}\` \\|`), op);
  }
});

test('PROTOCOL.md documents the wire protocol of viv serve, from src/session/serve/protocol.ts', () => {
  const written = readFileSync(new URL('../PROTOCOL.md', import.meta.url), 'utf8');
  assert.match(written, /## Serving: the wire protocol of `viv serve`/);
  for (const type of [
    'welcome',
    'refused',
    'submit',
    'result',
    'ask',
    'print',
    'changed',
    'closing',
  ]) {
    assert.match(written, new RegExp(`"type": "${type}"`), type);
  }
});
