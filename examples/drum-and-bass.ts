// Drum and bass at 172 bpm on SuperDirt, rewritten while it plays.
// Run: npm start -- --batch < examples/drum-and-bass.ts
//
// Sound: start SuperDirt in SuperCollider (`SuperDirt.start` in sclang); it listens on
// 127.0.0.1:57120, where OscOut sends by default. With nothing listening the UDP packets are just
// dropped and everything else runs the same. SuperDirt on another machine: give OscOut its address,
// `new OscOut({ host: '192.168.x.y' })` (once keeps the first value: later, set out.host instead).

// State, kept when this file is run again: the clock, where the events go, the dice.
const clock = once(new TempoClock(172))
const out = once(new OscOut())
const dice = once(new Random(172))

// One bar of sixteenths per sound (x hits, . rests), and a bass line in E minor.
const drums = {
  bd: steps('x.........x.....'),
  sn: steps('....x.......x...'),
  hh: steps('x.x.x.x.x.x.x.x.'),
}
const bass = { hits: steps('x..x..x...x..x..'), notes: scale('minor', 'e1') }

// The step runs on every sixteenth (beats: 0.25) of the clock. Each message is stamped with its
// tick's exact time on the grid (plus out.latency), so a tick that runs late still sounds on time.
function dnb(s: { step: number }, t: { beat: number }) {
  s.step = (t.beat * 4) % 16
  for (const [name, hits] of Object.entries(drums)) if (at(hits, s.step)) out.dirt({ s: name })
  if (at(bass.hits, s.step)) out.dirt({ s: 'supersaw', note: dice.pick(bass.notes) - 60 })
}
// The view: one row per sound, the sixteenth just played in capitals (X a hit, _ a rest).
function dnbView(s: { step: number }) {
  const mark = (hit: boolean, i: number) => (i === s.step ? (hit ? 'X' : '_') : hit ? 'x' : '.')
  const rows = [...Object.entries(drums), ['bass', bass.hits] as const]
  const lines = rows.map(([name, hits]) => name.padEnd(5) + hits.map(mark).join(''))
  return [...lines, `${clock.bpm} bpm`].join('\n')
}
const groove = spawn('dnb', { beats: 0.25, clock, step: dnb, view: dnbView, state: { step: 0 } })
await sleep(1500)
:ps
:frame dnb

// A new break while it plays: it takes over from the next sixteenth, in the same bar. (Running
// the spawn line again would only hand the process its new code: there is never a second one.)
const drums = {
  bd: steps('x.x.......x.....'),
  sn: steps('....x..x.x..x..x'),
  hh: steps('xxxxxxxxxxxxxxxx'),
  ho: steps('......x.......x.'),
}
await sleep(1500)

// Rewrite the step itself: ghost snares on some off-beats, a filter that opens over the bar.
function dnb(s: { step: number }, t: { beat: number }) {
  s.step = (t.beat * 4) % 16
  for (const [name, hits] of Object.entries(drums)) if (at(hits, s.step)) out.dirt({ s: name })
  if (s.step % 2 === 1 && dice.chance(0.25)) out.dirt({ s: 'sn', n: 1, gain: 0.7 })
  const cutoff = 400 + 150 * s.step
  if (at(bass.hits, s.step)) out.dirt({ s: 'supersaw', note: dice.pick(bass.notes) - 60, cutoff })
}
await sleep(1500)

// Push the tempo: the beat playing now stays where it is, the next ones come sooner.
clock.setTempo(176).bpm
await sleep(1500)
:ps
:frame dnb
