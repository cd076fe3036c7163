// A bank ledger whose Account class goes through two migrations while accounts stay live.
// Run: npm start -- --batch < examples/ledger.ts
class Account {
  constructor(public owner: string, public balance: number) {}
  deposit(amount: number) { this.balance += amount; return this }
}
const ledger = once({ accounts: [new Account('ada', 100), new Account('bob', 50)] })
ledger.accounts[0].deposit(25)

// v2: a currency field, added to every live account by upgrade (and removed by downgrade).
class Account {
  currency: string = 'EUR'
  constructor(public owner: string, public balance: number) {}
  deposit(amount: number) { this.balance += amount; return this }
  toString() { return `${this.owner}: ${this.balance} ${this.currency}` }
  static upgrade(a: Account, from: number) { a.currency = 'EUR' }
  static downgrade(a: any, to: number) { delete a.currency }
}
ledger.accounts.map(String)

// A migration that would fail on one account: :check says so and changes nothing.
:check class Account { cents!: number; constructor(public owner: string, public balance: number) {} static upgrade(a: Account) { if (a.owner === 'bob') throw new Error('bob is frozen'); a.cents = a.balance * 100 } }

// v3: balances in cents.
class Account {
  currency: string = 'EUR'
  constructor(public owner: string, public cents: number) {}
  get balance() { return this.cents / 100 }
  deposit(amount: number) { this.cents += amount * 100; return this }
  toString() { return `${this.owner}: ${this.balance.toFixed(2)} ${this.currency}` }
  static upgrade(a: any, from: number) { a.cents = a.balance * 100; delete a.balance }
  static downgrade(a: any, to: number) { a.balance = a.cents / 100; delete a.cents; if (to < 2) delete a.currency }
}
ledger.accounts.map(String)
:defs
:rollback Account 1
ledger.accounts
