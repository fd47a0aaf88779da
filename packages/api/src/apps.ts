import { Type, type Static } from '@sinclair/typebox';
import { APP_NAME_PATTERN, APP_STATES } from './constants';
import { literals } from './literals';

export const AppState = literals(...APP_STATES);
export type AppState = Static<typeof AppState>;

/** Where the app's description comes from. */
export const AppSource = literals(
  /** jupyter-server-proxy's registry (`servers-info`): an entry point or the server's config. */
  'proxy',
  /** Known to Hotstepper but not registered with the proxy in this image. */
  'known'
);
export type AppSource = Static<typeof AppSource>;

/** One platform app: what it is, whether this image has it, and what it is doing now. */
export const App = Type.Object({
  name: Type.String({ pattern: APP_NAME_PATTERN }),
  title: Type.String(),
  /** The app's own icon, relative to the Jupyter server's base URL; absent: the panel's own. */
  iconPath: Type.Optional(Type.String()),
  source: AppSource,
  /** Its program is in this image (on PATH) and the proxy can start it. */
  installed: Type.Boolean(),
  /** The program that was looked for, or found (e.g. "vncserver", "/usr/bin/rserver"). */
  program: Type.Optional(Type.String()),
  /** Why it cannot be started here, for a person ("Not in this image — choose 'RStudio 4.4' when you start a server"). */
  reason: Type.Optional(Type.String()),
  /** The images that have it (admin config `apps.images`), when this one does not. */
  images: Type.Array(Type.String()),
  /** Relative to the Jupyter server's base URL, with a trailing slash (e.g. "desktop/"). */
  path: Type.String(),
  /** Seconds the proxy waits for it to answer after starting it. */
  timeout: Type.Number({ minimum: 0 }),
  state: AppState,
  /** ISO 8601: when its process started (running) or the start was asked (starting). */
  since: Type.Optional(Type.String({ format: 'date-time' })),
  /** Its process tree, summed: CPU in cores (1 = one core busy), resident memory in bytes. */
  cpu: Type.Optional(Type.Number({ minimum: 0 })),
  memory: Type.Optional(Type.Number({ minimum: 0 })),
  /** The tree's process ids, the root first. */
  pids: Type.Array(Type.Integer({ minimum: 1 })),
  /** Crashed: its exit code (null when a signal ended it) and the last lines it wrote. */
  exitCode: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  output: Type.Array(Type.String())
});
export type App = Static<typeof App>;

/** `GET /apps` */
export const AppList = Type.Array(App, { $id: 'AppList' });
export type AppList = Static<typeof AppList>;

/** `POST /apps/:name/stop` and friends: the app's state after the action. */
export const AppName = Type.Object({ name: Type.String({ pattern: APP_NAME_PATTERN }) });
export type AppName = Static<typeof AppName>;
