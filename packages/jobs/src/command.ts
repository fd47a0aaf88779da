/**
 * The command box's text and the argv it runs. One line (or a line whose quotes span several)
 * runs without a shell; several lines run as a script, one command a line, by `sh -ec` (it stops
 * at the first line that fails). Also: a job's readable default name, and its command as typed.
 */
import type { Job } from '@hotstepper/api';
import { joinArgv, splitArgv } from './argv';

/** How a multi-line command runs: `sh -ec '<lines>'` (-e: a failing line fails the job). */
export const SHELL_ARGV = ['sh', '-ec'] as const;

export interface IParsedCommand {
  argv: string[];
  /** Set when the text holds several commands: the lines `sh` runs, one command each. */
  lines?: string[];
  error?: 'unclosed-single' | 'unclosed-double' | 'trailing-backslash';
}

/**
 * The text's commands: split at newlines outside quotes and not escaped by a backslash (as a
 * shell reads them); blank lines and `#` comment lines are left out.
 */
export function commandLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quote !== "'" && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (quote) {
      if (c === quote) {
        quote = undefined;
      }
      current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === '\n') {
      lines.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  lines.push(current);
  return lines.map(l => l.replace(/\r$/, '').trim()).filter(l => l && !l.startsWith('#'));
}

export function parseCommand(text: string): IParsedCommand {
  const lines = commandLines(text);
  // Each line must be complete by itself, so a quote left open is found on its own line.
  for (const line of lines) {
    const parsed = splitArgv(line);
    if (parsed.error) {
      return { argv: [], error: parsed.error };
    }
  }
  if (lines.length <= 1) {
    return { argv: lines.length ? splitArgv(lines[0]).argv : [] };
  }
  return { argv: [...SHELL_ARGV, lines.join('\n')], lines };
}

/** The lines of a job made from a multi-line command, else undefined. */
export function shellLines(argv: readonly string[]): string[] | undefined {
  return argv.length === 3 && argv[0] === SHELL_ARGV[0] && argv[1] === SHELL_ARGV[1]
    ? argv[2].split('\n')
    : undefined;
}

/** The command as the user would type it again: the lines, or the argv shell-quoted. */
export function commandText(argv: readonly string[]): string {
  return shellLines(argv)?.join('\n') ?? joinArgv(argv);
}

const INTERPRETER =
  /^(python[0-9.]*|pypy[0-9.]*|ipython[0-9.]*|Rscript|R|node|julia|perl|ruby|bash|sh|zsh|dash)$/;
const NAME_MAX = 40;

function baseName(path: string): string {
  return path.replace(/\/+$/, '').split('/').pop() || path;
}

function shorten(text: string, max = NAME_MAX): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

/** The statement of inline code that tells one job from another: the first that is no import. */
function telling(code: string): string {
  const statements = code
    .split(/[;\n]/)
    .map(s => s.trim())
    .filter(Boolean);
  return (
    statements.find(s => !/^(import|from|library|require|use|set)\b/.test(s)) ?? statements[0] ?? ''
  );
}

/**
 * A job's name from its argv: the script an interpreter runs (`train.py`), the module
 * (`http.server`), the program and the telling statement of inline code (`python3: print(1)`),
 * else the program and its first operand (`sleep 30`).
 */
export function nameOfArgv(argv: readonly string[]): string {
  const lines = shellLines(argv);
  if (lines) {
    return nameOfArgv(splitArgv(lines[0]).argv);
  }
  if (!argv.length) {
    return '';
  }
  const program = baseName(argv[0]);
  const rest = argv.slice(1);
  if (INTERPRETER.test(program)) {
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i];
      if ((arg === '-c' || arg === '-e') && i + 1 < rest.length) {
        if (/^(bash|sh|zsh|dash)$/.test(program)) {
          return nameOfArgv(splitArgv(commandLines(rest[i + 1])[0] ?? '').argv) || program;
        }
        return shorten(`${program}: ${telling(rest[i + 1])}`);
      }
      if (arg === '-m' && i + 1 < rest.length) {
        return shorten(rest[i + 1]);
      }
      if (!arg.startsWith('-')) {
        return shorten(baseName(arg));
      }
    }
    return program;
  }
  const operand = rest.find(a => !a.startsWith('-'));
  return shorten(operand !== undefined ? `${program} ${baseName(operand) || operand}` : program);
}

/** The name a job gets when none is typed. */
export function defaultJobName(kind: Job['kind'], command: string, file: string): string {
  if (kind === 'command') {
    return nameOfArgv(parseCommand(command).argv);
  }
  return baseName(file.trim());
}
