// Conway's Game of Life on a torus. The board is state (kept with once); the rules are code,
// redefined while the board keeps its cells and its generation count.
// Run: npm start -- --batch < examples/life.ts
class Board {
  cells: Uint8Array;
  generation = 0;
  constructor(
    public width: number,
    public height: number,
  ) {
    this.cells = new Uint8Array(width * height);
  }
  alive(x: number, y: number): number {
    const w = this.width,
      h = this.height;
    return this.cells[((y + h) % h) * w + ((x + w) % w)]!;
  }
  neighbours(x: number, y: number): number {
    let n = 0;
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) if (dx || dy) n += this.alive(x + dx, y + dy);
    return n;
  }
  rule(alive: number, n: number): number {
    return n === 3 || (alive && n === 2) ? 1 : 0;
  }
  step(): this {
    const next = new Uint8Array(this.cells.length);
    for (let y = 0; y < this.height; y++)
      for (let x = 0; x < this.width; x++) {
        next[y * this.width + x] = this.rule(this.alive(x, y), this.neighbours(x, y));
      }
    this.cells = next;
    this.generation++;
    return this;
  }
  place(x: number, y: number, shape: string[]) {
    shape.forEach((row, dy) =>
      [...row].forEach((c, dx) => {
        if (c === '#') this.cells[(y + dy) * this.width + x + dx] = 1;
      }),
    );
  }
  render(): string {
    const rows: string[] = [];
    for (let y = 0; y < this.height; y++)
      rows.push(
        [...this.cells.subarray(y * this.width, (y + 1) * this.width)]
          .map((c) => (c ? '█' : '·'))
          .join(''),
      );
    return `generation ${this.generation}\n` + rows.join('\n');
  }
}
const board = once(new Board(24, 12));
board.generation === 0 &&
  (board.place(1, 1, ['.#.', '..#', '###']),
  board.place(12, 5, ['##', '##']),
  board.place(18, 3, ['###']));
for (let i = 0; i < 12; i++) board.step();
console.log(board.render());
// New rules while it runs: HighLife (B36/S23). The board keeps its cells and generation.
class Board {
  cells: Uint8Array;
  generation = 0;
  constructor(
    public width: number,
    public height: number,
  ) {
    this.cells = new Uint8Array(width * height);
  }
  alive(x: number, y: number): number {
    const w = this.width,
      h = this.height;
    return this.cells[((y + h) % h) * w + ((x + w) % w)]!;
  }
  neighbours(x: number, y: number): number {
    let n = 0;
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) if (dx || dy) n += this.alive(x + dx, y + dy);
    return n;
  }
  rule(alive: number, n: number): number {
    return alive ? (n === 2 || n === 3 ? 1 : 0) : n === 3 || n === 6 ? 1 : 0;
  }
  step(): this {
    const next = new Uint8Array(this.cells.length);
    for (let y = 0; y < this.height; y++)
      for (let x = 0; x < this.width; x++) {
        next[y * this.width + x] = this.rule(this.alive(x, y), this.neighbours(x, y));
      }
    this.cells = next;
    this.generation++;
    return this;
  }
  place(x: number, y: number, shape: string[]) {
    shape.forEach((row, dy) =>
      [...row].forEach((c, dx) => {
        if (c === '#') this.cells[(y + dy) * this.width + x + dx] = 1;
      }),
    );
  }
  render(): string {
    const rows: string[] = [];
    for (let y = 0; y < this.height; y++)
      rows.push(
        [...this.cells.subarray(y * this.width, (y + 1) * this.width)]
          .map((c) => (c ? '█' : '·'))
          .join(''),
      );
    return `generation ${this.generation} (HighLife)\n` + rows.join('\n');
  }
}
for (let i = 0; i < 9; i++) board.step();
board.generation;
