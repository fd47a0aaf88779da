import { Type, type Static } from '@sinclair/typebox';
import { ACTIVITY_EVENT_KINDS, ACTIVITY_LAST_LINE_MAX, ACTIVITY_PAGE_EVENTS } from './constants';
import { literals } from './literals';

const UnixMs = (description: string) => Type.Integer({ minimum: 0, description });

/** `GET /activity?since=&until=` */
export const ActivityQuery = Type.Object(
  {
    since: Type.Optional(UnixMs('Start of the period, unix ms; default the last page seen')),
    until: Type.Optional(UnixMs('End of the period, unix ms; default now'))
  },
  // Other parameters are ignored: JupyterLab adds a cache buster to every GET.
  { additionalProperties: true }
);
export type ActivityQuery = Static<typeof ActivityQuery>;

export const CellStatus = literals('running', 'ok', 'error', 'interrupted');
export type CellStatus = Static<typeof CellStatus>;

/** One execution of a cell, as the kernel announced it: metadata only, never the source. */
export const CellRun = Type.Object({
  kernelId: Type.String(),
  /** The notebook (or console) the kernel's session belongs to, relative to the server root. */
  path: Type.Union([Type.String(), Type.Null()]),
  /** The execution count: `[14]`. */
  count: Type.Union([Type.Integer(), Type.Null()]),
  startedAt: UnixMs('When the kernel started it'),
  endedAt: Type.Union([UnixMs('When the kernel went idle'), Type.Null()]),
  /** Until endedAt, or until now while it runs. */
  durationMs: Type.Integer({ minimum: 0 }),
  status: CellStatus,
  /** The exception's name (`ZeroDivisionError`) of a failed cell. */
  ename: Type.Union([Type.String(), Type.Null()]),
  /** The last line it printed, cut to ACTIVITY_LAST_LINE_MAX characters; null when stream lines are off. */
  lastLine: Type.Union([Type.String({ maxLength: ACTIVITY_LAST_LINE_MAX }), Type.Null()])
});
export type CellRun = Static<typeof CellRun>;

export const ActivityEventKind = literals(...ACTIVITY_EVENT_KINDS);
export type ActivityEventKind = Static<typeof ActivityEventKind>;

/** One journal entry other than a cell. */
export const ActivityEvent = Type.Object({
  at: UnixMs('When it happened'),
  kind: ActivityEventKind,
  /** A document's path, a job's, an exposure's or a storage's name, the idle check's day. */
  name: Type.Union([Type.String(), Type.Null()]),
  /** The job's id, the kernel's id: what an action needs. */
  ref: Type.Union([Type.String(), Type.Null()]),
  /** A short, plain-text detail (a job's status and reason). */
  detail: Type.Union([Type.String(), Type.Null()])
});
export type ActivityEvent = Static<typeof ActivityEvent>;

/** The deterministic summary of a period: the welcome-back overlay's data. */
export const ActivitySummary = Type.Object(
  {
    since: UnixMs('Start of the period'),
    until: UnixMs('End of the period'),
    /** The last page seen before this request; null when none was ever seen. */
    lastSeen: Type.Union([UnixMs('The last page seen'), Type.Null()]),
    /** Whether the backend can watch the kernels (it has the Jupyter server's credential). */
    watching: Type.Boolean(),
    /** Whether stream lines are kept (the admin's activity.streamLines). */
    streamLines: Type.Boolean(),
    finished: Type.Array(CellRun, { description: 'Cells that finished in the period' }),
    failed: Type.Array(CellRun, { description: 'Cells that failed in the period' }),
    running: Type.Array(CellRun, { description: 'Cells running now' }),
    jobs: Type.Array(ActivityEvent),
    exposures: Type.Array(ActivityEvent),
    kernels: Type.Array(ActivityEvent, {
      description: 'Kernels started, stopped, restarted, died'
    }),
    documents: Type.Array(ActivityEvent),
    idle: Type.Array(ActivityEvent, {
      description:
        'Daily idle checks that counted an idle day (detail "2/4") or reset the counter (detail: the days it had)'
    }),
    storage: Type.Array(ActivityEvent, {
      description: 'Writable storages that passed the nearly-full mark (detail: how full)'
    }),
    /** Platform apps started, stopped, crashed (name: the app's title, ref: its server name). */
    apps: Type.Optional(Type.Array(ActivityEvent)),
    /** Cells or events left out of a list past its limit. */
    truncated: Type.Boolean(),
    /** Whether an AI paragraph can be asked for (`POST /activity/ai-summary`); absent: no. */
    ai: Type.Optional(Type.Boolean())
  },
  { $id: 'ActivitySummary' }
);
export type ActivitySummary = Static<typeof ActivitySummary>;

/** `GET /activity/seen` and the answer to `POST /activity/seen`. */
export const ActivitySeen = Type.Object(
  { lastSeen: Type.Union([UnixMs('The last page seen'), Type.Null()]) },
  { $id: 'ActivitySeen' }
);
export type ActivitySeen = Static<typeof ActivitySeen>;

/** `POST /activity/seen`: a page is open now (or, for a test or an import, at `at`). */
export const ActivitySeenRequest = Type.Object(
  { at: Type.Optional(UnixMs('Default now; never in the future')) },
  { additionalProperties: false }
);
export type ActivitySeenRequest = Static<typeof ActivitySeenRequest>;

export const ActivityPageEventKind = literals(...ACTIVITY_PAGE_EVENTS);

/** One thing a page saw. */
export const ActivityPageEvent = Type.Object(
  {
    kind: ActivityPageEventKind,
    /** The document's path (or the kernel's session path). */
    path: Type.String({ minLength: 1, maxLength: 4096 }),
    kernelId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' })),
    at: Type.Optional(UnixMs('Default now'))
  },
  { additionalProperties: false }
);
export type ActivityPageEvent = Static<typeof ActivityPageEvent>;

/** `POST /activity/events` */
export const ActivityPageEvents = Type.Object(
  { events: Type.Array(ActivityPageEvent, { minItems: 1, maxItems: 100 }) },
  { $id: 'ActivityPageEvents', additionalProperties: false }
);
export type ActivityPageEvents = Static<typeof ActivityPageEvents>;

export const ActivityAccepted = Type.Object({ accepted: Type.Integer({ minimum: 0 }) });
export type ActivityAccepted = Static<typeof ActivityAccepted>;

/** `POST /activity/ai-summary`: the period, as for the summary. */
export const ActivityAiRequest = Type.Object(
  {
    since: Type.Optional(UnixMs('Start of the period; default the last page seen')),
    until: Type.Optional(UnixMs('End of the period; default now'))
  },
  { $id: 'ActivityAiRequest', additionalProperties: false }
);
export type ActivityAiRequest = Static<typeof ActivityAiRequest>;

/** One message as it went to the model. */
export const AiMessage = Type.Object({
  role: literals('system', 'user'),
  content: Type.String()
});
export type AiMessage = Static<typeof AiMessage>;

/**
 * The events of `POST /activity/ai-summary`, in order: `sent` once (what goes to the model),
 * `text` for each piece of the paragraph, then `done` or `dropped` (the paragraph is to be
 * thrown away: an error, or past the time budget). The text is plain: never render it as HTML.
 */
export interface ActivityAiEvents {
  sent: { model: string; messages: AiMessage[] };
  text: { text: string };
  done: Record<string, never>;
  dropped: { reason: string };
}
