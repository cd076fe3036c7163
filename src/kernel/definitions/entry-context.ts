// What the entry being evaluated carries while its definitions are staged, and the error that
// stops an entry the host abandoned. Split from staging.ts (class-staging.ts needs them too).
import type { DeclarationInfo, DefinedInfo, MigrationReport } from '../../shared/types.ts';
import type { Transaction } from '../transaction/transaction.ts';
import { Error } from '../primordials.ts';

export class EntryAbandoned extends Error {
  override name = 'EntryAbandoned';
}

/** The staging context of the entry being evaluated. */
export interface EntryContext {
  tx: Transaction;
  declarations: Map<string, DeclarationInfo>;
  defined: DefinedInfo[];
  migrations: MigrationReport[];
}
