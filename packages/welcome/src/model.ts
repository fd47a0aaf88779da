/**
 * The welcome-back state: the backend's "last seen", the summary of a period, and the page
 * events sent to the journal. No DOM.
 */
import type {
  ActivityAiEvents,
  ActivityPageEvent,
  ActivitySeen,
  ActivitySummary,
  IdleStatus,
  UsageCost
} from '@hotstepper/api';
import { ACTIVITY_PATHS, USAGE_PATHS } from '@hotstepper/api/constants';
import { requestBackend, streamEvents } from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';

export interface IWelcomeSettings {
  showOnReturn: boolean;
  awayHours: number;
  reportDocuments: boolean;
}

export const DEFAULT_SETTINGS: IWelcomeSettings = {
  showOnReturn: true,
  awayHours: 8,
  reportDocuments: true
};

const HOUR_MS = 3600_000;

/** The periods the picker offers: since the last visit, or a fixed span back from now. */
export const PERIODS = ['since-last-seen', 'day', 'week', 'month'] as const;
export type Period = (typeof PERIODS)[number];

const SPAN_MS: Record<Exclude<Period, 'since-last-seen'>, number> = {
  day: 24 * HOUR_MS,
  week: 7 * 24 * HOUR_MS,
  month: 30 * 24 * HOUR_MS
};

/** The `since` of a period, or undefined for "since the last page seen" (the backend's default). */
export function sinceOf(period: Period, now: number): number | undefined {
  return period === 'since-last-seen' ? undefined : now - SPAN_MS[period];
}

/** How many milliseconds to wait before sending page events, to send them in one request. */
const EVENT_BATCH_MS = 2000;

export class WelcomeModel {
  settings: IWelcomeSettings = { ...DEFAULT_SETTINGS };

  constructor(
    private readonly serverSettings: ServerConnection.ISettings,
    private readonly clock: () => number = Date.now
  ) {}

  now(): number {
    return this.clock();
  }

  summary(since?: number, until?: number): Promise<ActivitySummary> {
    const query = new URLSearchParams();
    if (since !== undefined) {
      query.set('since', String(Math.floor(since)));
    }
    if (until !== undefined) {
      query.set('until', String(Math.floor(until)));
    }
    const q = query.toString();
    return requestBackend<ActivitySummary>(
      `${ACTIVITY_PATHS.summary}${q ? `?${q}` : ''}`,
      this.serverSettings
    );
  }

  /**
   * Asks for the AI paragraph of a period: `sent` (what goes to the model), then each piece of
   * text; resolves with the reason when the paragraph is to be dropped, undefined when complete.
   */
  async aiSummary(
    since: number,
    until: number,
    on: {
      sent: (sent: ActivityAiEvents['sent']) => void;
      text: (text: string) => void;
    },
    signal?: AbortSignal
  ): Promise<string | undefined> {
    let outcome: string | undefined = 'the answer ended early';
    try {
      await streamEvents(ACTIVITY_PATHS.aiSummary, this.serverSettings, {
        post: { since: Math.floor(since), until: Math.floor(until) },
        signal,
        onEvent: e => {
          const data = JSON.parse(e.data);
          if (e.event === 'sent') {
            on.sent(data as ActivityAiEvents['sent']);
          } else if (e.event === 'text') {
            on.text(String((data as ActivityAiEvents['text']).text));
          } else if (e.event === 'done') {
            outcome = undefined;
          } else if (e.event === 'dropped') {
            outcome = String((data as ActivityAiEvents['dropped']).reason);
          }
        }
      });
    } catch (err) {
      return (err as Error).message;
    }
    return outcome;
  }

  /** The idle clean-up's state now, from the usage feature; undefined where it is not there. */
  idle(): Promise<IdleStatus | undefined> {
    return requestBackend<IdleStatus>(USAGE_PATHS.idle, this.serverSettings).catch(() => undefined);
  }

  /** The cost per day, from the usage feature; undefined where it is not there. */
  cost(): Promise<UsageCost | undefined> {
    return requestBackend<UsageCost>(USAGE_PATHS.cost, this.serverSettings).catch(() => undefined);
  }

  async lastSeen(): Promise<number | null> {
    return (await requestBackend<ActivitySeen>(ACTIVITY_PATHS.seen, this.serverSettings)).lastSeen;
  }

  async markSeen(): Promise<void> {
    await requestBackend<ActivitySeen>(ACTIVITY_PATHS.seen, this.serverSettings, {
      method: 'POST',
      body: JSON.stringify({})
    });
  }

  /**
   * Whether the page comes back after long enough away to show the summary; marks the page
   * seen either way, so the next check (or another tab) does not show it again. Returns the
   * last seen before this visit when the summary should open.
   */
  async checkReturn(): Promise<number | undefined> {
    const last = await this.lastSeen();
    await this.markSeen();
    if (
      last !== null &&
      this.settings.showOnReturn &&
      this.clock() - last > this.settings.awayHours * HOUR_MS
    ) {
      return last;
    }
    return undefined;
  }

  /** Queues a page event for the journal; they go out together a moment later. */
  report(event: ActivityPageEvent): void {
    if (!this.settings.reportDocuments) {
      return;
    }
    this.queue.push({ ...event, at: this.clock() });
    this.timer ??= setTimeout(() => void this.flush(), EVENT_BATCH_MS);
  }

  /** Sends the queued page events now. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.queue.splice(0, 100);
    if (!events.length) {
      return;
    }
    try {
      await requestBackend(ACTIVITY_PATHS.events, this.serverSettings, {
        method: 'POST',
        body: JSON.stringify({ events })
      });
    } catch (err) {
      // The journal misses them; the page's work goes on.
      console.warn('Hotstepper: the activity journal did not take the page events', err);
    }
    if (this.queue.length) {
      this.timer = setTimeout(() => void this.flush(), EVENT_BATCH_MS);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private queue: ActivityPageEvent[] = [];
  private timer?: ReturnType<typeof setTimeout>;
}

/** YYYY-MM-DD of a time in the browser's zone (the cost's days are the server's, near enough). */
function localDate(t: number): string {
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The estimated cost and running hours of the days the period touches. */
export function costOf(
  cost: UsageCost,
  since: number,
  until: number
): { amount: number; hours: number; currency: string } {
  const from = localDate(since);
  const to = localDate(until);
  const days = cost.days.filter(d => d.date >= from && d.date <= to);
  return {
    amount: days.reduce((sum, d) => sum + d.total, 0),
    hours: days.reduce((sum, d) => sum + d.hours, 0),
    currency: cost.prices.currency
  };
}
