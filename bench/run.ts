// `npm run bench`: speed as ratios against baselines measured in the same run, one per line.
// Everything runs through the real engine: a guest process, an isolate, the kernel. Times inside
// the isolate are taken with the guest's `performance.now()` (a host capability).
import { openSession } from '../src/session/open-session.ts';

const engine = await openSession({ memoryMB: 3072 });

async function value(entry: string): Promise<string> {
  const result = await engine.submit(entry);
  if (!result.ok) throw new Error(`bench entry failed: ${entry}\n${JSON.stringify(result.error)}`);
  return result.value ?? '';
}
const num = async (entry: string) => Number(await value(entry));
const ratio = (a: number, b: number) => (a / b).toFixed(2) + 'x';
const ms = (x: number) => x.toFixed(x < 10 ? 3 : 1) + ' ms';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const line = (text: string) => process.stdout.write(text + '\n');

// 1. A call through a redefinable function vs a direct call, 10M calls in the isolate.
await value(`function inc(x: number) { return x + 1 }
const timeLoop = (body: () => void) => { const t = performance.now(); body(); return performance.now() - t };
function benchDirect() { const f = (() => function (x: number) { return x + 1 })(); let s = 0; return timeLoop(() => { for (let i = 0; i < 1e7; i++) s = f(s) }) }
function benchStub() { let s = 0; return timeLoop(() => { for (let i = 0; i < 1e7; i++) s = inc(s) }) }
const best = (f: () => number) => Math.min(...Array.from({ length: 7 }, f))`);
const direct = await num('best(benchDirect)');
const stub = await num('best(benchStub)');
await value('function inc(x: number) { return x + 2 }');
const afterRedefinition = await num('benchStub()');
const settled = await num('best(benchStub)');
line(
  `call through a redefinable function vs direct call, 10M calls, steady: ${ratio(stub, direct)} (direct ${ms(direct)}, through the stub ${ms(stub)})`,
);
line(
  `the same, first 10M calls right after a redefinition: ${ratio(afterRedefinition, direct)} (${ms(afterRedefinition)}; steady again ${ratio(settled, direct)})`,
);

// 2. Redefining only methods of a class: time inside the guest, 1,000 vs 1,000,000 instances.
async function methodsOnly(n: number, name: string): Promise<number> {
  await value(`class ${name} { constructor(public v: number) {} get() { return this.v } }
const all${name} = Array.from({ length: ${n} }, (_, i) => new ${name}(i)); 0`);
  const times: number[] = [];
  for (let k = 0; k < 5; k++) {
    times.push(
      await num(`globalThis.t0 = performance.now()
class ${name} { constructor(public v: number) {} get() { return this.v + ${k} } other() { return ${k} } }
performance.now() - t0`),
    );
  }
  return median(times);
}
const small = await methodsOnly(1_000, 'SmallCell');
const large = await methodsOnly(1_000_000, 'LargeCell');
line(
  `redefining only methods, 1,000 live instances: ${ms(small)}; 1,000,000: ${ms(large)} (ratio ${ratio(large, small)}, goal O(1) and under 1 ms)`,
);

// 3. Redefining a class whose upgrade adds a field, 1M instances, transaction included, vs the
// bare loop that adds a field and then swaps the prototype, on the same objects.
await value(`class Particle { constructor(public x: number, public y: number) {} norm() { return this.x + this.y } }
const particles = Array.from({ length: 1_000_000 }, (_, i) => new Particle(i, 1)); 0`);
// Besides finding its instances, an all-or-nothing migration must read each one's exact state
// first (prototype, keys, and every property's descriptor: a failing upgrade puts it back without
// running a setter; src/kernel/definitions/instance-state.ts, whose plain path this mirrors, keys
// arrays shared between instances included). `captureAll` is that capture alone,
// timed on the same objects before they migrate; `findAll` is the registry's walk alone (below).
// Both are functions with the built-ins they call in locals, as the kernel's own are.
await value(`function captureAll(list: object[]) {
  const { isExtensible } = Reflect
  const { getOwnPropertySymbols, getOwnPropertyNames, getOwnPropertyDescriptor, getPrototypeOf } = Object
  const data: unknown[] = []
  let shared: string[] = []
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!
    if (!isExtensible(p) || getOwnPropertySymbols(p).length !== 0) continue
    let names = getOwnPropertyNames(p)
    let same = names.length === shared.length
    for (let k = 0; same && k < names.length; k++) same = names[k] === shared[k]
    if (same) names = shared; else shared = names
    data[data.length] = getPrototypeOf(p); data[data.length] = names
    for (let k = 0; k < names.length; k++) { const d = getOwnPropertyDescriptor(p, names[k]!)!; if (!d.writable || !d.enumerable || !d.configurable) break; data[data.length] = d.value }
  }
  return data.length
}
function findAll(refs: WeakRef<object>[]) { const found: object[] = []; for (let i = 0; i < refs.length; i++) { const p = refs[i]!.deref(); if (p !== undefined) found[found.length] = p } return found.length }
0`);
const capturing = await num(
  'globalThis.t0 = performance.now(); captureAll(particles); performance.now() - t0',
);
const migrateStart = performance.now();
const migrateInGuest = await num(`globalThis.t0 = performance.now()
class Particle {
  mass!: number;
  constructor(public x: number, public y: number) { this.mass = 1 }
  norm() { return this.x + this.y + this.mass }
  static upgrade(p: Particle) { p.mass = 1 }
}
performance.now() - t0`);
const migrateRoundTrip = performance.now() - migrateStart;

// 4. Methods on migrated instances vs fresh ones (hot loop).
await value(`const fresh = Array.from({ length: 1_000_000 }, (_, i) => new Particle(i, 1))
function sumOf(list: Particle[]) { let s = 0; for (let i = 0; i < list.length; i++) s += list[i]!.norm(); return s }
function timeSum(list: Particle[]) { return best(() => timeLoop(() => sumOf(list))) }; 0`);
const migratedLoop = await num('timeSum(particles)');
const freshLoop = await num('timeSum(fresh)');

// The bare loop does the same work as the migration by hand, as plain JavaScript would: walk every
// instance (from an array the program keeps), add the field the upgrade function computes, swap
// the prototype (Smalltalk's become:, CLOS's change-class). Vivarium never swaps prototypes (a
// class is a stable cell), so this is in the bare loop's disfavour, not ours.
const bare = await num(`globalThis.t0 = performance.now()
const Swapped = { norm() { return 0 } }
const bareUpgrade = (p: any) => { p.extra = 1 }
for (let i = 0; i < particles.length; i++) { const p = particles[i] as any; bareUpgrade(p); Object.setPrototypeOf(p, Swapped) }
performance.now() - t0`);
// The floor of any migration: finding the instances. The registry holds them through WeakRefs (it
// must not keep one alive), and V8's `deref` is a runtime call that also adds the target to the
// job's kept-objects hash set (so that it stays alive until the job ends): a million inserts into a
// hash set, which costs more than the whole bare loop. `findAll` is that walk alone, on the same
// objects, with WeakRefs made in an earlier entry as the registry's are. With the capture, that
// floor is 3.2x the bare loop in a profile on this machine (3.5x as this bench measures it): the
// goal of 3x is at or under what any migration that is all-or-nothing over weakly held instances
// costs (ARCHITECTURE.md, "Performance notes").
await value('const weakly = particles.map((p) => new WeakRef(p)); 0');
const finding = await num(
  'globalThis.t0 = performance.now(); findAll(weakly); performance.now() - t0',
);
line(
  `redefining a class with 1,000,000 instances whose upgrade adds a field, transaction included: ${ms(migrateInGuest)} in the guest (${ms(migrateRoundTrip)} round trip) vs bare add-field-and-swap-prototype loop ${ms(bare)}: ${ratio(migrateRoundTrip, bare)} round trip (goal at most 3x)`,
);
line(
  `  finding 1,000,000 weakly held instances alone (WeakRef.deref, the floor under any migration): ${ms(finding)}, ${ratio(finding, bare)} the bare loop`,
);
line(
  `  capturing their exact state alone (what a failed upgrade puts back): ${ms(capturing)}, ${ratio(capturing, bare)}; the two, the floor under an all-or-nothing migration of weakly held instances: ${ratio(finding + capturing, bare)}`,
);
line(
  `methods on migrated vs fresh instances, hot loop over 1,000,000: ${ratio(migratedLoop, freshLoop)} (migrated ${ms(migratedLoop)}, fresh ${ms(freshLoop)}, goal at most 1.2x)`,
);

// 5. Entry round trip, and from submitting a redefinition to its first call running new code.
const trips: number[] = [];
for (let i = 0; i < 300; i++) {
  const t = performance.now();
  await value('1+1');
  trips.push((performance.now() - t) * 1000);
}
const redefinitions: number[] = [];
for (let i = 0; i < 300; i++) {
  const t = performance.now();
  const shown = await value(`function probe() { return ${i} }\nprobe()`);
  redefinitions.push((performance.now() - t) * 1000);
  if (shown !== String(i)) throw new Error('probe did not run the new version');
}
line(`entry round trip of 1+1: median ${median(trips).toFixed(0)} µs`);
line(
  `submitting a function's redefinition to its first call running the new code: median ${median(redefinitions).toFixed(0)} µs (Erlang's module load: 700 µs)`,
);

await engine.close();

// Images on disk (issue 3).
await import('./image.ts');

// The terminal environment (issue 4).
await import('./ui.ts');

// Processes and OSC (issue 5).
await import('./processes.ts');

// Ticks during saves and across quit and reopen (issue 11).
await import('./ticks.ts');
