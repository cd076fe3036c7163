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
const drums = { bd: steps('x.........x.....'), sn: steps('....x.......x...'), hh: steps('x.x.x.x.x.x.x.x.') }
const bass = { hits: steps('x..x..x...x..x..'), notes: scale('minor', 'e1') }

// The step runs on every sixteenth (beats: 0.25) of the clock; t.beat is exact and each message
// is stamped with its tick's time on the grid, so a late tick still sounds on time.
function dnb(s: { step: number }, t: { beat: number }) {
  s.step = (t.beat * 4) % 16
  for (const [sound, pattern] of Object.entries(drums)) if (at(pattern, s.step)) out.dirt({ s: sound })
  if (at(bass.hits, s.step)) out.dirt({ s: 'supersaw', note: dice.pick(bass.notes) - 60, legato: 0.8 })
}
// The view: the bar, with the sixteenth just played in capitals (X hit, _ rest).
function dnbView(s: { step: number }) {
  const row = (p: boolean[]) => p.map((hit, i) => (i === s.step ? (hit ? 'X' : '_') : hit ? 'x' : '.')).join('')
  return [...Object.entries(drums), ['bass', bass.hits] as const].map(([name, p]) => `${name.padEnd(4)} ${row(p)}`).join('\n') + `\n${clock.bpm} bpm`
}
const dnbState = spawn('dnb', { beats: 0.25, clock, step: dnb, view: dnbView, state: { step: 0 } })
await sleep(1500)
:ps
:frame dnb

// A new break while it plays: from the next sixteenth on, same bar, same phase. (Re-running the
// spawn line would only hand the process its new code: there is never a second one.)
const drums = { bd: steps('x.x.......x.....'), sn: steps('....x..x.x..x..x'), hh: steps('xxxxxxxxxxxxxxxx'), ho: steps('......x.......x.') }
await sleep(1500)

// Rewrite the step itself: ghost snares on some off-beats, and a filter that opens over the bar.
function dnb(s: { step: number }, t: { beat: number }) {
  s.step = (t.beat * 4) % 16
  for (const [sound, pattern] of Object.entries(drums)) if (at(pattern, s.step)) out.dirt({ s: sound })
  if (s.step % 2 === 1 && dice.chance(0.25)) out.dirt({ s: 'sn', n: 1, gain: 0.7 })
  if (at(bass.hits, s.step)) out.dirt({ s: 'supersaw', note: dice.pick(bass.notes) - 60, legato: 0.8, cutoff: 400 + 150 * s.step })
}
await sleep(1500)

// Push the tempo: the beat now playing stays where it is, the next ones come sooner.
clock.setTempo(176).bpm
await sleep(1500)
:ps
:frame dnb
