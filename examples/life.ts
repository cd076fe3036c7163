// Conway's Game of Life on a torus, stepped by a process. The board is state (kept with once); the
// rule is code, redefined while the process runs: the board keeps its cells and its generation.
// Run: npm start -- --batch < examples/life.ts
class Board {
  cells: Uint8Array
  generation = 0
  constructor(public width: number, public height: number) {
    this.cells = new Uint8Array(width * height)
  }
  alive(x: number, y: number): number {
    const w = this.width, h = this.height
    return this.cells[((y + h) % h) * w + ((x + w) % w)]!
  }
  neighbours(x: number, y: number): number {
    let n = 0
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) if (dx || dy) n += this.alive(x + dx, y + dy)
    return n
  }
  step(): this {
    const next = new Uint8Array(this.cells.length)
    for (let y = 0; y < this.height; y++)
      for (let x = 0; x < this.width; x++)
        next[y * this.width + x] = rule(this.alive(x, y), this.neighbours(x, y)) ? 1 : 0
    this.cells = next
    this.generation++
    return this
  }
  place(x: number, y: number, shape: string[]) {
    shape.forEach((row, dy) => [...row].forEach((c, dx) => {
      if (c === '#') this.cells[(y + dy) * this.width + x + dx] = 1
    }))
  }
  render(): string {
    const row = (y: number) => this.cells.subarray(y * this.width, (y + 1) * this.width)
    const rows = range(this.height).map((y) => [...row(y)].map((c) => (c ? '█' : '·')).join(''))
    return `generation ${this.generation}\n` + rows.join('\n')
  }
}
// The rule, B3/S23: a dead cell with 3 neighbours is born, a live one with 2 or 3 survives.
function rule(alive: number, n: number): boolean {
  return n === 3 || (alive === 1 && n === 2)
}
const board = once(new Board(24, 12))
// A glider, a block and a blinker, placed the first time only (running the file again keeps them).
if (board.generation === 0) {
  board.place(1, 1, ['.#.', '..#', '###'])
  board.place(12, 5, ['##', '##'])
  board.place(18, 3, ['###'])
}

// The process: one generation every 100 ms. Its step and view are top-level functions, so the
// image can be saved with the process in it.
function lifeStep({ board }: { board: Board }) { board.step() }
function lifeView({ board }: { board: Board }) { return board.render() }
const life = spawn('life', { every: 100, step: lifeStep, view: lifeView, state: { board } })

// Let it run to generation 12, and look at it.
while (board.generation < 12) await sleep(10)
:frame life

// New rules while it runs: HighLife (B36/S23), where 6 neighbours also give birth. The next
// generation is computed by this rule; nothing restarts.
function rule(alive: number, n: number): boolean {
  return alive === 1 ? n === 2 || n === 3 : n === 3 || n === 6
}
while (board.generation < 21) await sleep(10); stop('life')
:frame life
:ps
// Stopped, it stays in the image with its state: `:restart life` sets it going again.
board.generation
