// What the engine does when a process restarts or stops for good: tell the person, and when a
// redefinition made it crash, offer the rollback (or, with `--auto-rollback`, do it: the rollback
// restarts the process on the version rolled to).
import type { SessionNotice } from '../../shared/notices.ts';
import type { Result } from '../result.ts';
import type { Suspect } from '../../shared/types.ts';

export interface ProcessEvent {
  event: 'restarted' | 'crashed' | 'skipped' | 'rolled back';
  name: string;
  message: string;
  /** The command that takes the offered rollback. */
  offer?: string;
}

export interface EventsHost {
  readonly closing: boolean;
  readonly options: {
    autoRollback?: boolean;
    onProcess?: (event: ProcessEvent) => void;
  };
  /** Runs a `:command` as if typed, alone (the engine's lock). */
  submit(text: string): Promise<Result>;
}

export class ProcessEvents {
  readonly #host: EventsHost;

  constructor(host: EventsHost) {
    this.#host = host;
  }

  async onProcess(notice: Extract<SessionNotice, { type: 'process' }>): Promise<void> {
    const host = this.#host;
    if (host.closing) return;
    const report = (event: ProcessEvent['event'], message: string, offer?: string) =>
      host.options.onProcess?.({ event, name: notice.name, message, ...(offer ? { offer } : {}) });
    const suspect = notice.suspect;
    if (notice.event !== 'crashed' || !suspect) return report(notice.event, notice.message);
    const blame = ` It ran clean until entry ${suspect.entry} changed ${suspect.name} (now v${suspect.version}).`;
    const offer = offerFor(suspect);
    if (!offer) return report('crashed', notice.message + blame);
    if (!host.options.autoRollback) {
      const how = offer.startsWith(':')
        ? `To go back: ${offer}`
        : `A value does not roll back in place (:rollback is for functions and classes); to go back, enter its v${suspect.previous} again: ${offer}`;
      return report(
        'crashed',
        `${notice.message}${blame} ${how} (${notice.name} restarts by itself).`,
        offer,
      );
    }
    report('crashed', notice.message + blame);
    const result = await host.submit(offer);
    report(
      'rolled back',
      result.ok
        ? `auto-rollback: ${suspect.name} is back at ${suspect.kind === 'value' ? `the value of v${suspect.previous} (entered again)` : `v${suspect.previous}`}; ${notice.name} restarted`
        : `auto-rollback of ${suspect.name} failed: ${result.error?.message}`,
    );
  }
}

/**
 * What takes a suspect back: `:rollback` for a function or class; for a value (`const pat = ...`),
 * its previous version's source entered again, a new version that equals the old one. Either
 * redefines what the crashed process ran, which revives it.
 */
function offerFor(suspect: Suspect): string | undefined {
  if (suspect.kind !== 'value') return `:rollback ${suspect.name} ${suspect.previous}`;
  return suspect.source;
}
