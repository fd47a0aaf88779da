import { commandLines, commandText, nameOfArgv, parseCommand } from '../src/command';
import { valuesFromJob } from '../src/form';
import { job } from './helpers';

const GIB = 1024 ** 3;

describe('the command box', () => {
  it('runs one line without a shell, and keeps a quoted newline inside its argument', () => {
    expect(parseCommand('python train.py --epochs 3')).toEqual({
      argv: ['python', 'train.py', '--epochs', '3']
    });
    // `python3 -c "…\n…"` typed over two lines: one command, the newline is Python's.
    expect(parseCommand('python3 -c "import sys\nprint(sys.argv)"')).toEqual({
      argv: ['python3', '-c', 'import sys\nprint(sys.argv)']
    });
    // A backslash at the end of a line continues it.
    expect(parseCommand('echo a \\\n  b').argv).toEqual(['echo', 'a', 'b']);
  });

  it('runs several lines with sh -ec, one command a line, blank and # lines left out', () => {
    const parsed = parseCommand('cd data\n\n# fetch it\npython fetch.py\nls -l');
    expect(parsed.lines).toEqual(['cd data', 'python fetch.py', 'ls -l']);
    expect(parsed.argv).toEqual(['sh', '-ec', 'cd data\npython fetch.py\nls -l']);
    expect(commandLines("echo 'a\nb'\necho c")).toEqual(["echo 'a\nb'", 'echo c']);
    expect(parseCommand('echo ok\necho "open').error).toBe('unclosed-double');
  });

  it('gives the command back as typed: the lines, or the argv shell-quoted', () => {
    expect(commandText(['sh', '-ec', 'cd data\npython fetch.py'])).toBe('cd data\npython fetch.py');
    // Quoted as people type it: `python3 -c "print('hi')"`, not `'print('\''hi'\'')'`.
    expect(commandText(['python3', '-c', "print('hi there')"])).toBe(
      `python3 -c "print('hi there')"`
    );
    expect(commandText(['echo', "it's $HOME"])).toBe(`echo 'it'\\''s $HOME'`);
    for (const text of ['python3 -c "import sys; print(1)"', 'a\nb c']) {
      expect(parseCommand(commandText(parseCommand(text).argv)).argv).toEqual(
        parseCommand(text).argv
      );
    }
  });
});

describe('default job names', () => {
  it('name the script, the module, or what the inline code does, not its first import', () => {
    expect(nameOfArgv(['python3', 'scripts/train.py', '--epochs', '3'])).toBe('train.py');
    expect(nameOfArgv(['/usr/bin/python3', '-u', '-m', 'http.server', '8555'])).toBe('http.server');
    expect(nameOfArgv(['python3', '-c', 'import sys; print(sys.argv)'])).toBe(
      'python3: print(sys.argv)'
    );
    // Three jobs that differ only after their imports have three names.
    const names = ['sleep(1)', 'sleep(2)', 'print(3)'].map(s =>
      nameOfArgv(['python3', '-c', `import time; time.${s}`])
    );
    expect(new Set(names).size).toBe(3);
    expect(nameOfArgv(['Rscript', 'report.R'])).toBe('report.R');
    expect(nameOfArgv(['sleep', '30'])).toBe('sleep 30');
    expect(nameOfArgv(['make', '-j4', 'all'])).toBe('make all');
    expect(nameOfArgv(['bash', '-c', 'python3 fit.py && echo done'])).toBe('fit.py');
    expect(nameOfArgv(['sh', '-ec', 'cd data\npython fetch.py'])).toBe('cd data');
    expect(nameOfArgv(['python3', '-c', 'x' + 'y'.repeat(100)]).length).toBeLessThanOrEqual(40);
  });
});

describe('Edit and re-run', () => {
  it('fills the form from a finished command job: command as typed, resources, env, name', () => {
    const values = valuesFromJob(
      job('j1', 'failed', {
        name: 'fetch',
        argv: ['sh', '-ec', 'cd data\npython fetch.py'],
        cwd: 'work',
        env: { SEED: '42', MODE: 'fast lane' },
        resources: { cpu: 2, memory: 1.5 * GIB, gpu: { count: 1, model: 'a40' } },
        timeLimitSeconds: 1800
      })
    );
    expect(values).toMatchObject({
      name: 'fetch',
      kind: 'command',
      command: 'cd data\npython fetch.py',
      cwd: 'work',
      env: 'SEED=42\nMODE=fast lane',
      cpu: '2',
      memory: '1.5',
      gpuCount: '1',
      gpuModel: 'a40',
      timeLimit: '30'
    });
  });

  it('fills a script job with its arguments and a notebook job with its parameters', () => {
    expect(
      valuesFromJob(
        job('j2', 'succeeded', {
          kind: 'script',
          file: 'bin/train.py',
          argv: ['python3', '/home/u/bin/train.py', '--epochs', '3 4']
        })
      )
    ).toMatchObject({ kind: 'script', file: 'bin/train.py', args: `--epochs '3 4'` });
    expect(
      valuesFromJob(
        job('j3', 'succeeded', {
          kind: 'notebook',
          file: 'nb/a.ipynb',
          parameters: { alpha: 0.5, name: 'run-1', layers: [1, 2] }
        })
      ).parameters
    ).toBe('alpha=0.5\nname=run-1\nlayers=[1,2]');
  });
});
