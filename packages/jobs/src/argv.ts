/**
 * Splits a command line into arguments the way a POSIX shell would quote them, without running
 * a shell: jobs take an argv, so `$VAR`, globs, pipes and redirections are passed on literally.
 */

export interface IParsedArgv {
  argv: string[];
  /** Why the text cannot be split, e.g. an unclosed quote; argv is then what was read so far. */
  error?: 'unclosed-single' | 'unclosed-double' | 'trailing-backslash';
}

/** Characters a backslash escapes inside double quotes (POSIX). */
const DOUBLE_ESCAPES = new Set(['\\', '"', '$', '`', '\n']);

export function splitArgv(text: string): IParsedArgv {
  const argv: string[] = [];
  let current = '';
  // Distinguishes `''` (an empty argument) from no argument at all.
  let started = false;
  let i = 0;
  const push = () => {
    if (started) {
      argv.push(current);
    }
    current = '';
    started = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      push();
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) {
        current += text.slice(i + 1);
        push();
        return { argv, error: 'unclosed-single' };
      }
      current += text.slice(i + 1, end);
      started = true;
      i = end + 1;
    } else if (c === '"') {
      started = true;
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i];
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < text.length && DOUBLE_ESCAPES.has(text[i + 1])) {
          if (text[i + 1] !== '\n') {
            current += text[i + 1];
          }
          i += 2;
        } else {
          current += d;
          i++;
        }
      }
      if (!closed) {
        push();
        return { argv, error: 'unclosed-double' };
      }
    } else if (c === '\\') {
      if (i + 1 >= text.length) {
        push();
        return { argv, error: 'trailing-backslash' };
      }
      // A backslash-newline continues the line.
      if (text[i + 1] !== '\n') {
        current += text[i + 1];
        started = true;
      }
      i += 2;
    } else {
      current += c;
      started = true;
      i++;
    }
  }
  push();
  return { argv };
}

/**
 * Quotes an argument so that splitArgv gives it back unchanged (for showing and re-running),
 * the way people type it: single quotes, or double quotes around text holding single quotes
 * (Python's `print('x')`) when nothing in it is special inside double quotes.
 */
export function quoteArg(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) {
    return arg;
  }
  if (arg.includes("'") && !/["$`\\]/.test(arg)) {
    return `"${arg}"`;
  }
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function joinArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}
