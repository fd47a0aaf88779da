/**
 * Exposure names: a DNS label, because the name becomes the host name of the
 * public URL. Pure functions, tested on their own.
 */
import {
  FLARE_NAME_MAX_LENGTH as NAME_MAX_LENGTH,
  FLARE_NAME_PATTERN
} from '@hotstepper/api/constants';
import type { TranslationBundle } from '@jupyterlab/translation';

const NAME_RE = new RegExp(FLARE_NAME_PATTERN);

/** Interpreters and launchers: the app's name is what they run. */
const LAUNCHERS = new Set([
  'python',
  'python3',
  'node',
  'nodejs',
  'deno',
  'bun',
  'env',
  'sh',
  'bash',
  'npx',
  'npm',
  'uv',
  'uvx',
  'pipx',
  'poetry',
  'conda',
  'mamba',
  'r',
  'rscript',
  'julia',
  'ruby',
  'java',
  'exec',
  'nohup',
  'run'
]);

/** Subcommands that come between a tool and its target: "streamlit run app.py". */
const VERBS = new Set(['run', 'serve', 'start', 'exec', 'dev']);

/** Anything into a DNS label: lowercase, other characters to hyphens, trimmed to 30. */
export function sanitizeName(text: string): string {
  const label = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return label.slice(0, NAME_MAX_LENGTH).replace(/-+$/, '');
}

function basename(token: string): string {
  return token.split(/[\\/]/).filter(Boolean).pop() ?? token;
}

/** Drops a script's extension and an interpreter's version: "app.py" → "app", "python3.11" → "python". */
function stem(token: string): string {
  return basename(token)
    .replace(/\.(py|js|mjs|cjs|ts|r|jl|rb|sh)$/i, '')
    .replace(/^(python|node|ruby)[\d.]*$/i, '$1');
}

/**
 * The name a command line suggests: the module (`python -m streamlit run app.py` →
 * "streamlit", `python3 -m http.server 8000` → "http-server"), the tool
 * (`/opt/bin/voila nb.ipynb` → "voila"), or the script (`python app.py` → "app").
 */
export function nameFromCommand(command: string): string {
  const tokens = command.trim().split(/\s+/).filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === '-m' && tokens[i + 1]) {
      return sanitizeName(tokens[i + 1]);
    }
    if (token.startsWith('-') || token.includes('=')) {
      continue;
    }
    const word = stem(token);
    if (LAUNCHERS.has(word.toLowerCase()) || VERBS.has(word.toLowerCase())) {
      continue;
    }
    const name = sanitizeName(word);
    if (name) {
      return name;
    }
  }
  return '';
}

/**
 * A free name for a port's app: from its command, else "app-<port>", with "-2", "-3"… when
 * an exposure already has it.
 */
export function suggestName(command: string, port: number, taken: Iterable<string> = []): string {
  const used = new Set(taken);
  const base = nameFromCommand(command) || `app-${port}`;
  if (!used.has(base)) {
    return base;
  }
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, NAME_MAX_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!used.has(candidate)) {
      return candidate;
    }
  }
}

/** What is wrong with a name, in words, or undefined when it is a valid DNS label. */
export function validateName(
  name: string,
  trans: TranslationBundle,
  taken: Iterable<string> = []
): string | undefined {
  const rule = trans.__(
    'Use 1–30 lowercase letters, digits and hyphens, starting and ending with a letter or digit.'
  );
  if (!name) {
    return trans.__('Enter a name. %1', rule);
  }
  if (name.length > NAME_MAX_LENGTH) {
    return trans.__('The name is %1 characters long. %2', name.length, rule);
  }
  if (!NAME_RE.test(name)) {
    if (/[A-Z]/.test(name)) {
      return trans.__('Capital letters are not allowed. %1', rule);
    }
    if (/^-|-$/.test(name)) {
      return trans.__('The name cannot start or end with a hyphen. %1', rule);
    }
    return trans.__('The name has characters a host name cannot have. %1', rule);
  }
  if (new Set(taken).has(name)) {
    return trans.__('An exposure named "%1" already exists: choose another name.', name);
  }
  return undefined;
}
