// A flock of particles on a 32×12 torus, moved by a process and drawn as text. While it flies, the
// Particle class gains a field (migrated into every live particle) and the flocking rule is
// rewritten: the same process, the same particles, nothing restarted.
// Run: npm start -- --batch < examples/boids.ts
class Particle {
  constructor(public x: number, public y: number, public vx: number, public vy: number) {}
  move(w: number, h: number) {
    this.x = (this.x + this.vx + w) % w
    this.y = (this.y + this.vy + h) % h
  }
  glyph() { return 'o' }
}
const dice = once(new Random(42))
interface Sky { w: number; h: number; flock: Particle[] }

// The process's state, made by init when it is spawned: a sky and its flock.
function makeSky(): Sky {
  const flock = range(14).map(() => new Particle(dice.range(0, 32), dice.range(0, 12), 0, 0))
  for (const p of flock) [p.vx, p.vy] = [dice.range(-0.6, 0.6), dice.range(-0.3, 0.3)]
  return { w: 32, h: 12, flock }
}
// v1 of the rule: every particle flies straight on.
function steer(p: Particle, flock: Particle[]) {}
function fly(sky: Sky) { for (const p of sky.flock) { steer(p, sky.flock); p.move(sky.w, sky.h) } }
function draw(sky: Sky) {
  const rows = range(sky.h).map(() => Array(sky.w).fill('·'))
  for (const p of sky.flock) rows[Math.floor(p.y)][Math.floor(p.x)] = p.glyph()
  return rows.map((row) => row.join('')).join('\n')
}
// spawn returns the process's state; evaluating this line again returns the same one.
const sky = spawn('boids', { every: 50, init: makeSky, step: fly, view: draw })
await sleep(500)
:frame boids
:ps
const first = sky.flock[0]

// Particle v2, while it flies: an age, and a glyph that shows the heading. Field initialisers run
// only for new particles; `upgrade` gives every live one its age. Methods change at once.
class Particle {
  age = 0
  constructor(public x: number, public y: number, public vx: number, public vy: number) {}
  move(w: number, h: number) {
    this.age++
    this.x = (this.x + this.vx + w) % w
    this.y = (this.y + this.vy + h) % h
  }
  glyph() {
    if (Math.abs(this.vx) > 2 * Math.abs(this.vy)) return this.vx > 0 ? '>' : '<'
    return this.vy > 0 ? 'v' : '^'
  }
  static upgrade(p: Particle, from: number) { p.age = 0 }
}

// v2 of the rule, boids: match the neighbours' heading, drift to their centre, keep apart.
function steer(p: Particle, flock: Particle[]) {
  const near = flock.filter((q) => q !== p && Math.hypot(q.x - p.x, q.y - p.y) < 6)
  if (near.length === 0) return
  const mean = (f: (q: Particle) => number) => near.reduce((sum, q) => sum + f(q), 0) / near.length
  p.vx += 0.1 * (mean((q) => q.vx) - p.vx) + 0.005 * (mean((q) => q.x) - p.x)
  p.vy += 0.1 * (mean((q) => q.vy) - p.vy) + 0.005 * (mean((q) => q.y) - p.y)
  for (const q of near) {
    const close = Math.hypot(q.x - p.x, q.y - p.y) < 1
    if (close) { p.vx += (p.x - q.x) * 0.05; p.vy += (p.y - q.y) * 0.05 }
  }
  const speed = Math.hypot(p.vx, p.vy)
  if (speed > 0.8) { p.vx *= 0.8 / speed; p.vy *= 0.8 / speed }
}
await sleep(1500)
:frame boids
:ps
// The same particle object, with an age counted by the new move; the process never restarted.
[sky.flock[0] === first, first.age, processes()[0].restarts]
