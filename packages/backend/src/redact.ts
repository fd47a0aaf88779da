/**
 * Secrets in command lines: what the backend shows of a process or a job (Jupyter's
 * `--ServerApp.token=…`, a `--password …`, `API_KEY=…`, a URL's `?token=` or `user:pass@`)
 * is replaced by `***` before it leaves. One function for every command line returned, and
 * one for a job's environment (`redactEnv`).
 */

export const REDACTED = '***';

/** Option names whose value is a secret: the name's last word (after `-`, `_` or `.`) is one of these. */
const SECRET_WORD =
  '(?:token|password|passwd|secret|api[-_]?key|access[-_]?key|private[-_]?key|key|credentials?|auth)';
/** `--token=x`, `--ServerApp.token=x`, `--NotebookApp.password=x`, `--db-password=x`. */
const OPTION_WITH_VALUE = new RegExp(`^(--?(?:[\\w.-]*[._-])?${SECRET_WORD})=(.+)$`, 'i');
/** `--token x`, `--password x`: the secret is the next argument. */
const OPTION_ALONE = new RegExp(`^--?(?:[\\w.-]*[._-])?${SECRET_WORD}$`, 'i');
/** `API_KEY=x`, `GITHUB_TOKEN=x`, `password=x`, `db.secret=x` (env-style assignments). */
const ASSIGNMENT = new RegExp(`^((?:[A-Za-z_][\\w.]*[._])?${SECRET_WORD})=(.+)$`, 'i');
/** `API_KEY`, `GITHUB_TOKEN`, `DB_PASSWORD`: an environment variable's name naming a secret. */
const SECRET_NAME = new RegExp(`^(?:[A-Za-z_][\\w.]*[._])?${SECRET_WORD}$`, 'i');
/** `scheme://user:pass@host` → `scheme://user:***@host`. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi;
/** `?token=x` and `&api_key=x` in a URL's query. */
const QUERY_SECRET = new RegExp(`([?&](?:[\\w.-]*[._-])?${SECRET_WORD}=)[^&#\\s]+`, 'gi');

function redactInside(arg: string): string {
  return arg.replace(URL_PASSWORD, `$1${REDACTED}@`).replace(QUERY_SECRET, `$1${REDACTED}`);
}

/** One command line as argv, with every secret replaced by `***`. */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const option = OPTION_WITH_VALUE.exec(arg) ?? ASSIGNMENT.exec(arg);
    if (option) {
      out.push(`${option[1]}=${REDACTED}`);
    } else if (OPTION_ALONE.test(arg) && i + 1 < argv.length && !argv[i + 1].startsWith('-')) {
      out.push(arg, REDACTED);
      i++;
    } else {
      out.push(redactInside(arg));
    }
  }
  return out;
}

/** A command line as one string (arguments joined by spaces), with every secret replaced. */
export function redactCommand(command: string): string {
  return redactArgv(command.split(' ')).join(' ');
}

/** A job's environment with the value of every variable named like a secret replaced by `***`. */
export function redactEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, SECRET_NAME.test(name) ? REDACTED : value])
  );
}
