// A drum sketch as data and code: patterns are state (kept with once), the way they are played
// is code you redefine while the sketch keeps its patterns and tempo.
// Run: npm start -- --batch < examples/music.ts
class Pattern {
  constructor(
    public name: string,
    public steps: string,
  ) {}
  hits(): number[] {
    return [...this.steps].flatMap((c, i) => (c === 'x' ? [i] : []));
  }
  at(step: number): boolean {
    return this.steps[step % this.steps.length] === 'x';
  }
}
/** Euclidean rhythm: k hits spread as evenly as possible over n steps. */
function euclid(k: number, n: number): string {
  return range(n)
    .map((i) => ((i * k) % n < k ? 'x' : '.'))
    .join('');
}
const sketch = once({
  bpm: 172,
  patterns: [
    new Pattern('kick', 'x.........x.....'),
    new Pattern('snare', '....x.......x...'),
    new Pattern('hat', euclid(7, 16)),
  ],
});
function bar(): string {
  return sketch.patterns
    .map(
      (p) =>
        p.name.padEnd(6) +
        range(16)
          .map((s) => (p.at(s) ? '■' : '·'))
          .join(''),
    )
    .join('\n');
}
console.log(bar());
// Redefine how a pattern plays: accents on the beat. Existing patterns pick it up.
class Pattern {
  constructor(
    public name: string,
    public steps: string,
  ) {}
  hits(): number[] {
    return [...this.steps].flatMap((c, i) => (c === 'x' ? [i] : []));
  }
  at(step: number): boolean {
    return this.steps[step % this.steps.length] === 'x';
  }
  accent(step: number): boolean {
    return this.at(step) && step % 4 === 0;
  }
}
sketch.patterns.push(new Pattern('bass', euclid(5, 16)));
sketch.bpm = 174;
sketch.patterns.map(
  (p) =>
    `${p.name}: ${p.hits().length} hits, ${range(16).filter((s) => p.accent(s)).length} accents`,
);
