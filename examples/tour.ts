function greet(name: string) { return `hello ${name}` }
const hello = greet
function greet(name: string) { return `HELLO ${name.toUpperCase()}!` }
hello('ada')
class Point { constructor(public x: number, public y: number) {} }
const p = new Point(3, 4)
class Point { constructor(public x: number, public y: number) {} get norm() { return Math.hypot(this.x, this.y) } }
p.norm
