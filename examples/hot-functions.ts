// Functions are stable cells: a timer keeps calling `tick`, and redefining `tick` changes what
// it calls from the next call on, without restarting anything.
// Run: npm start -- --batch < examples/hot-functions.ts
const log = once([] as string[])
function tick(n: number) { return `tick ${n}` }
let n = 0; const timer = setInterval(() => log.push(tick(++n)), 10)
await sleep(35)
function tick(n: number) { return `TOCK ${n}` }
await sleep(35)
clearInterval(timer)
log.some((l) => l.startsWith('tick')) && log.some((l) => l.startsWith('TOCK'))
:history tick
:diff tick
