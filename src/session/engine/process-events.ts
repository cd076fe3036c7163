// What the engine does when a process restarts or stops for good: tell the person, and when a
// redefinition made it crash, offer the rollback (or, with `--auto-rollback`, do it: the rollback
// restarts the process on the version rolled to).
import type { SessionNotice } from '../../shared/notices.ts';
import type { Result } from '../result.ts';

export interface ProcessEvent {
  event: 'restarted' | 'crashed' | 'rolled back';
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
    const offer = `:rollback ${suspect.name} ${suspect.previous}`;
    if (!host.options.autoRollback) {
      return report(
        'crashed',
        `${notice.message}${blame} To go back: ${offer} (${notice.name} restarts by itself).`,
        offer,
      );
    }
    report('crashed', notice.message + blame);
    const result = await host.submit(offer);
    report(
      'rolled back',
      result.ok
        ? `auto-rollback: ${suspect.name} is back at v${suspect.previous}; ${notice.name} restarted`
        : `auto-rollback of ${suspect.name} failed: ${result.error?.message}`,
    );
  }
}
