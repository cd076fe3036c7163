// One entry is one transaction: a migration that throws on one instance out of many leaves every
// instance and every definition exactly as before, and the error says which one failed and where.
// Run: npm start -- --batch < examples/transactions.ts
class Sensor { constructor(public id: number, public reading: number) {} }
const sensors = once(range(10_000).map((i) => new Sensor(i, i % 97)))
class Sensor {
  calibrated!: number
  constructor(public id: number, public reading: number) {}
  static upgrade(s: Sensor) {
    if (s.id === 7_000) throw new Error('sensor 7000 has no calibration data')
    s.calibrated = s.reading * 1.5
  }
}
[sensors[0].calibrated, Object.keys(sensors[6_999])]
:defs
