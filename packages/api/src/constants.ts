/**
 * What the backend and the frontends must agree on besides the schemas:
 * route paths, job statuses, name rules. Dependency-free (no TypeBox), so a
 * frontend bundle imports it as `@hotstepper/api/constants` without pulling
 * the schema library in; the schemas in this package use the same values.
 */

/** Every route lives under this prefix on the backend. */
export const API_PREFIX = '/api/v1';

/** Each feature's route prefix, as the backend registers its plugins. */
export const FEATURE_PREFIX = {
  usage: `${API_PREFIX}/usage`,
  jobs: `${API_PREFIX}/jobs`,
  flare: `${API_PREFIX}/flare`,
  activity: `${API_PREFIX}/activity`,
  storage: `${API_PREFIX}/storage`,
  apps: `${API_PREFIX}/apps`,
  course: `${API_PREFIX}/course`
} as const;

/** The route of a page's one event stream (usage, jobs, exposures); see PageEventMap. */
export const EVENTS_PREFIX = `${API_PREFIX}/events`;

/** A backend path as the frontends call it: relative to the backend's root, no leading slash. */
const path = (prefix: string, rest = '') => `${prefix.slice(1)}${rest && `/${rest}`}`;

/** A page's one event stream, for followEvents. */
export const EVENTS_PATH = path(EVENTS_PREFIX);

/** The usage routes, for requestBackend / followEvents. */
export const USAGE_PATHS = {
  now: path(FEATURE_PREFIX.usage, 'now'),
  /** POST: take a reading now. */
  sample: path(FEATURE_PREFIX.usage, 'sample'),
  /** `?range=hour|day|week|quarter` */
  history: path(FEATURE_PREFIX.usage, 'history'),
  kernels: path(FEATURE_PREFIX.usage, 'kernels'),
  gpus: path(FEATURE_PREFIX.usage, 'gpus'),
  cost: path(FEATURE_PREFIX.usage, 'cost'),
  costCsv: path(FEATURE_PREFIX.usage, 'cost.csv'),
  idle: path(FEATURE_PREFIX.usage, 'idle'),
  /** POST: the open documents were saved before an idle stop. */
  idleSaved: path(FEATURE_PREFIX.usage, 'idle/saved'),
  /** Event stream: `save-all` before an idle stop. */
  events: path(FEATURE_PREFIX.usage, 'events'),
  /** GET: the user's servers under JupyterHub; POST: start or stop one. */
  servers: path(FEATURE_PREFIX.usage, 'servers')
} as const;

/** The jobs routes. */
export const JOBS_PATHS = {
  /** GET (`?status=&limit=&offset=`) the list, POST a new job. */
  list: path(FEATURE_PREFIX.jobs),
  info: path(FEATURE_PREFIX.jobs, 'info'),
  /** Event stream of changes to the list. */
  events: path(FEATURE_PREFIX.jobs, 'events'),
  /** GET or DELETE one job. */
  job: (id: string) => path(FEATURE_PREFIX.jobs, encodeURIComponent(id)),
  cancel: (id: string) => path(FEATURE_PREFIX.jobs, `${encodeURIComponent(id)}/cancel`),
  rerun: (id: string) => path(FEATURE_PREFIX.jobs, `${encodeURIComponent(id)}/rerun`),
  /** Event stream of the log, or one stream as a file with `?stream=stdout|stderr`. */
  log: (id: string) => path(FEATURE_PREFIX.jobs, `${encodeURIComponent(id)}/log`)
} as const;

/** The flare routes. */
export const FLARE_PATHS = {
  info: path(FEATURE_PREFIX.flare, 'info'),
  ports: path(FEATURE_PREFIX.flare, 'ports'),
  /** GET the list, POST a new exposure. */
  exposures: path(FEATURE_PREFIX.flare, 'exposures'),
  /** DELETE: unexpose. */
  exposure: (name: string) => path(FEATURE_PREFIX.flare, `exposures/${encodeURIComponent(name)}`)
} as const;

/** The storage routes; a path inside a storage travels in the query (`?path=`), never in the URL path. */
export const STORAGE_PATHS = {
  /** GET: the storages the user can reach, with capacity and access. */
  list: path(FEATURE_PREFIX.storage),
  /** GET a file or a page of a folder, PUT (save), POST (new), DELETE. */
  contents: (name: string) => path(FEATURE_PREFIX.storage, `${encodeURIComponent(name)}/contents`),
  /** POST: rename or move `path` to `to`. */
  rename: (name: string) => path(FEATURE_PREFIX.storage, `${encodeURIComponent(name)}/rename`),
  /** POST: copy `path` into the folder `to`. */
  copy: (name: string) => path(FEATURE_PREFIX.storage, `${encodeURIComponent(name)}/copy`),
  /** GET: the file's bytes, streamed as an attachment. */
  download: (name: string) => path(FEATURE_PREFIX.storage, `${encodeURIComponent(name)}/download`),
  /** GET the list, POST a new checkpoint of `?path=`. */
  checkpoints: (name: string) =>
    path(FEATURE_PREFIX.storage, `${encodeURIComponent(name)}/checkpoints`),
  /** POST: copy or move between storages. */
  transfers: path(FEATURE_PREFIX.storage, 'transfers'),
  /** GET: one transfer; DELETE: cancel it. */
  transfer: (id: string) => path(FEATURE_PREFIX.storage, `transfers/${encodeURIComponent(id)}`),
  /** GET: the transfer's progress as server-sent events ("transfer"), until it ends. */
  transferEvents: (id: string) =>
    path(FEATURE_PREFIX.storage, `transfers/${encodeURIComponent(id)}/events`),
  /** POST: restore; DELETE: forget. */
  checkpoint: (name: string, id: string) =>
    path(
      FEATURE_PREFIX.storage,
      `${encodeURIComponent(name)}/checkpoints/${encodeURIComponent(id)}`
    )
} as const;

/** A storage's name: what its drive and routes are called ("transfers" is a route of its own). */
export const STORAGE_NAME_PATTERN = '^(?!transfers$)[a-z0-9][a-z0-9-]{0,39}$';

/** The kinds of storage, each with its own icon. */
export const STORAGE_KINDS = ['home', 'metacentrum', 'project', 'shared', 's3', 'other'] as const;
export type StorageKindName = (typeof STORAGE_KINDS)[number];

/** The most entries one page of a folder listing holds. */
export const STORAGE_PAGE_MAX = 5000;

/** Files larger than this are not opened in an editor unless the user's setting says otherwise. */
export const STORAGE_DEFAULT_MAX_OPEN_BYTES = 20 * 1024 * 1024;

/** Every state a job can be in, whichever runner runs it. */
export const JOB_STATUSES = [
  'queued',
  'starting',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'timed-out'
] as const;
export type JobStatusName = (typeof JOB_STATUSES)[number];

/** The statuses of a job that has not ended yet. */
export const ACTIVE_JOB_STATUSES: readonly JobStatusName[] = ['queued', 'starting', 'running'];

/** The statuses a job never leaves. */
export const FINISHED_JOB_STATUSES: readonly JobStatusName[] = [
  'succeeded',
  'failed',
  'cancelled',
  'timed-out'
];

/** The longest job name. */
export const JOB_NAME_MAX_LENGTH = 100;

/** A job's id: "j", then base36 time and random digits (see the backend's newJobId). */
export const JOB_ID_PATTERN = '^j[0-9a-z]{1,24}$';

/** An environment variable's name, as a job's `env` keys must be. */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

/** The longest DNS label (RFC 1123): what a host name part, a Service or a label value may be. */
export const DNS_LABEL_MAX_LENGTH = 63;

/** The longest exposure name: short enough to leave room in the public host name. */
export const FLARE_NAME_MAX_LENGTH = 30;

/** The user name HTTP Basic asks for on an exposure with a password (the password is the exposure's). */
export const FLARE_USER = 'flare';

/**
 * The longest exposure password in UTF-8 bytes: bcrypt (and ingress-nginx's htpasswd) reads
 * only the first 72, so a longer one is refused when set and never checked at the gateway.
 */
export const FLARE_PASSWORD_MAX_BYTES = 72;

/** An exposure name: a DNS label of 1–30 lowercase letters, digits and hyphens, no hyphen at either end. */
export const FLARE_NAME_PATTERN = `^[a-z0-9]([a-z0-9-]{0,${FLARE_NAME_MAX_LENGTH - 2}}[a-z0-9])?$`;

/** The activity routes (what happened while the user was away). */
export const ACTIVITY_PATHS = {
  /** GET the summary of a period: `?since=&until=` (unix ms; default since the last page seen). */
  summary: path(FEATURE_PREFIX.activity),
  /** GET or POST: the last time a page of this user was open. */
  seen: path(FEATURE_PREFIX.activity, 'seen'),
  /** POST: what the page saw (documents opened, saved, closed; kernel restarts and deaths). */
  events: path(FEATURE_PREFIX.activity, 'events'),
  /** POST (text/event-stream): the AI paragraph of a period, when the admin configured a model. */
  aiSummary: path(FEATURE_PREFIX.activity, 'ai-summary')
} as const;

/** A stream's last line is kept up to this many characters. */
export const ACTIVITY_LAST_LINE_MAX = 200;

/** What a page reports to the journal. */
export const ACTIVITY_PAGE_EVENTS = [
  'document-opened',
  'document-saved',
  'document-closed',
  'kernel-restarted',
  'kernel-died'
] as const;

/** Everything the journal records besides cells. */
export const ACTIVITY_EVENT_KINDS = [
  ...ACTIVITY_PAGE_EVENTS,
  'kernel-started',
  'kernel-stopped',
  'job-finished',
  'job-failed',
  'exposure-ended',
  'idle-day',
  'idle-reset',
  'storage-nearly-full',
  'app-started',
  'app-stopped',
  'app-crashed'
] as const;
export type ActivityEventKindName = (typeof ACTIVITY_EVENT_KINDS)[number];

/** The apps routes. */
export const APPS_PATHS = {
  /** GET: the platform apps of this image, each with its state. */
  list: path(FEATURE_PREFIX.apps),
  /** POST: start the app (as opening it would) and wait until it answers. */
  start: (name: string) => path(FEATURE_PREFIX.apps, `${encodeURIComponent(name)}/start`),
  /** POST: end the app's process tree (SIGTERM, then SIGKILL after the grace period). */
  stop: (name: string) => path(FEATURE_PREFIX.apps, `${encodeURIComponent(name)}/stop`),
  /** POST: stop, then start again. */
  restart: (name: string) => path(FEATURE_PREFIX.apps, `${encodeURIComponent(name)}/restart`)
} as const;

/** An app's name: jupyter-server-proxy's server name, the last segment of its URL. */
export const APP_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

/** What an app is doing: found from its processes and what jupyter-server-proxy reports. */
export const APP_STATES = ['stopped', 'starting', 'running', 'crashed'] as const;
export type AppStateName = (typeof APP_STATES)[number];

/** The SSH card's routes (the apps feature's `ssh` part). */
export const SSH_PATHS = {
  /** GET: the SSH server of this image, the command to reach it, its host keys, SSH over HTTPS. */
  status: path(FEATURE_PREFIX.apps, 'ssh'),
  /** GET: the managed authorized_keys; POST: add keys (pasted or uploaded text). */
  keys: path(FEATURE_PREFIX.apps, 'ssh/keys'),
  /**
   * DELETE: remove every line holding the key with this fingerprint ("SHA256:…"). In the query,
   * not the path: a fingerprint holds "/", which proxies do not all pass through encoded.
   */
  key: (fingerprint: string) =>
    `${path(FEATURE_PREFIX.apps, 'ssh/keys')}?fingerprint=${encodeURIComponent(fingerprint)}`,
  /** POST: copy the server's host keys into the home, where the image's sshd reads them. */
  keepHostKeys: path(FEATURE_PREFIX.apps, 'ssh/host-keys/keep')
} as const;

/** jupyter-server-proxy's name of the SSH-over-HTTPS entry point: its URL is `{base_url}hotstepper-ssh/`. */
export const SSH_TUNNEL_NAME = 'hotstepper-ssh';

/** A key's fingerprint as OpenSSH prints it. */
export const SSH_FINGERPRINT_PATTERN = '^SHA256:[A-Za-z0-9+/]{43}$';

/** A path inside the home, relative to it: not absolute, no "..". */
export const HOME_PATH_PATTERN = '^(?!/)(?!.*(^|/)\\.\\.(/|$)).+$';

/** The most a pasted or uploaded authorized_keys text may hold, in characters. */
export const SSH_KEYS_TEXT_MAX = 64 * 1024;

/** Course, assignment and student names: nbgrader's ids (letters, digits, "_", "-", "."). */
export const COURSE_NAME_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$';

/** What a user is in a course. */
export const COURSE_ROLES = ['instructor', 'student'] as const;
export type CourseRoleName = (typeof COURSE_ROLES)[number];

/** Where an assignment is in its life. */
export const COURSE_ASSIGNMENT_STATUSES = ['draft', 'generated', 'released', 'closed'] as const;

/** nbgrader's cell roles, as the grading view and the cell toolbar name them. */
export const COURSE_CELL_KINDS = [
  'solution',
  'tests',
  'manual',
  'task',
  'readonly',
  'other'
] as const;

/** Where a student is with a released assignment (class dashboard). */
export const COURSE_STUDENT_STATES = ['not-started', 'fetched', 'submitted', 'late'] as const;

const course = (rest: string) => path(FEATURE_PREFIX.course, rest);
const seg = encodeURIComponent;
const assignment = (c: string, a: string, rest = '') =>
  course(`${seg(c)}/assignments/${seg(a)}${rest && `/${rest}`}`);

/** The course routes. Instructor routes answer a student 403; a course the user is not in is 404. */
export const COURSE_PATHS = {
  /** GET: the user's courses and role in each. */
  list: path(FEATURE_PREFIX.course),
  /** GET the assignments, POST a new one (instructor). */
  assignments: (c: string) => course(`${seg(c)}/assignments`),
  /** PUT: due date and time zone (instructor). */
  assignment: (c: string, a: string) => assignment(c, a),
  /** POST: nbgrader validate on the source notebooks (instructor). */
  validate: (c: string, a: string) => assignment(c, a, 'validate'),
  /** POST: generate the student version (instructor). */
  generate: (c: string, a: string) => assignment(c, a, 'generate'),
  /** POST: release to / take back from the exchange (instructor). */
  release: (c: string, a: string) => assignment(c, a, 'release'),
  unrelease: (c: string, a: string) => assignment(c, a, 'unrelease'),
  /** POST: collect the submissions from the exchange (instructor). */
  collect: (c: string, a: string) => assignment(c, a, 'collect'),
  /** GET: the submissions (instructor). */
  submissions: (c: string, a: string) => assignment(c, a, 'submissions'),
  /** GET: one notebook of one submission for manual grading (instructor). */
  submission: (c: string, a: string, student: string, notebook: string) =>
    assignment(c, a, `submissions/${seg(student)}/${seg(notebook)}`),
  /** PUT: points and comments (instructor). */
  grades: (c: string, a: string, student: string, notebook: string) =>
    assignment(c, a, `submissions/${seg(student)}/${seg(notebook)}/grades`),
  /** POST: start autograde jobs (`{students?}`); GET: their progress (instructor). */
  autograde: (c: string, a: string) => assignment(c, a, 'autograde'),
  /** Event stream of the autograde progress ("autograde" events). */
  autogradeEvents: (c: string, a: string) => assignment(c, a, 'autograde/events'),
  /** POST: generate feedback (`{students?}`) (instructor). */
  feedback: (c: string, a: string) => assignment(c, a, 'feedback'),
  /** POST: release generated feedback to the students (`{students?}`) (instructor). */
  releaseFeedback: (c: string, a: string) => assignment(c, a, 'feedback/release'),
  /** GET: students × assignments, one answer (instructor). */
  gradebook: (c: string) => course(`${seg(c)}/gradebook`),
  /** GET: per assignment who fetched, submitted, is late, has not started (instructor). */
  dashboard: (c: string) => course(`${seg(c)}/dashboard`),
  /** GET: the released assignments with the student's own state, feedback and score. */
  studentAssignments: (c: string) => course(`${seg(c)}/student/assignments`),
  /** POST: fetch into the student's folder. */
  fetch: (c: string, a: string) => course(`${seg(c)}/student/assignments/${seg(a)}/fetch`),
  /** POST: validate the student's copy (nbgrader's messages). */
  studentValidate: (c: string, a: string) =>
    course(`${seg(c)}/student/assignments/${seg(a)}/validate`),
  /** POST: submit (a late one is taken, with a warning in the answer). */
  submit: (c: string, a: string) => course(`${seg(c)}/student/assignments/${seg(a)}/submit`)
} as const;
