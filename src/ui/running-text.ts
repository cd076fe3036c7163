// What the status line says while an entry runs: a spinner, and how far the guest has got.
import type { Progress } from '../shared/types.ts';

export function progressText(p: Progress): string {
  const count = (n: number) => n.toLocaleString('en');
  return p.total
    ? `${p.what}: ${count(p.done)} of ${count(p.total)}`
    : `${p.what}: ${count(p.done)}`;
}

const FRAMES = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
export function spinner(now: number): string {
  return FRAMES[Math.floor(now / 100) % FRAMES.length]!;
}
