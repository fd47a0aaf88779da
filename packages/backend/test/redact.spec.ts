import { redactArgv, redactCommand, redactEnv } from '../src/redact';

describe('redacting secrets from command lines', () => {
  it("hides Jupyter's token and password, with = or as the next argument", () => {
    expect(
      redactCommand(
        'python -m jupyter lab --no-browser --ServerApp.token=abc123 --NotebookApp.token=def --port=8888'
      )
    ).toBe(
      'python -m jupyter lab --no-browser --ServerApp.token=*** --NotebookApp.token=*** --port=8888'
    );
    expect(
      redactArgv(['jupyter', 'notebook', '--NotebookApp.password', 'sha1:xyz', '--debug'])
    ).toEqual(['jupyter', 'notebook', '--NotebookApp.password', '***', '--debug']);
    expect(redactArgv(['app', '--token', 's3cr3t', '--password=hunter2'])).toEqual([
      'app',
      '--token',
      '***',
      '--password=***'
    ]);
  });

  it('hides env-style keys, tokens and secrets, and password=', () => {
    expect(
      redactArgv(['env', 'OPENAI_API_KEY=sk-1', 'GITHUB_TOKEN=ghp_2', 'AWS_SECRET=x', 'password=y'])
    ).toEqual(['env', 'OPENAI_API_KEY=***', 'GITHUB_TOKEN=***', 'AWS_SECRET=***', 'password=***']);
  });

  it("hides a URL's password and its ?token=, keeping the rest of the URL", () => {
    expect(
      redactArgv([
        'psql',
        'postgres://alice:pa55@db.example:5432/x',
        'http://127.0.0.1:8888/lab?token=abcdef&x=1'
      ])
    ).toEqual([
      'psql',
      'postgres://alice:***@db.example:5432/x',
      'http://127.0.0.1:8888/lab?token=***&x=1'
    ]);
  });

  it('leaves ordinary arguments alone (ports, -p, paths, keyed options without a secret)', () => {
    const argv = [
      'python3',
      '-m',
      'http.server',
      '8000',
      '--bind',
      '127.0.0.1',
      '-p',
      '8080',
      '--keyboard-layout=us',
      '--monkey=banana',
      'run.py',
      'https://example.org/a?b=c'
    ];
    expect(redactArgv(argv)).toEqual(argv);
  });

  it('does not eat the next option when a secret option has no value', () => {
    expect(redactArgv(['app', '--token', '--verbose'])).toEqual(['app', '--token', '--verbose']);
  });
});

describe('redacting secrets from a job environment', () => {
  it('masks the values of variables named like secrets, by the same words as command lines', () => {
    expect(
      redactEnv({
        API_KEY: 'k',
        GITHUB_TOKEN: 't',
        DB_PASSWORD: 'p',
        aws_secret: 's',
        AUTH: 'a',
        'db.credentials': 'c'
      })
    ).toEqual({
      API_KEY: '***',
      GITHUB_TOKEN: '***',
      DB_PASSWORD: '***',
      aws_secret: '***',
      AUTH: '***',
      'db.credentials': '***'
    });
  });

  it('leaves other variables alone, also when a secret word is only part of a word', () => {
    const env = {
      PATH: '/usr/bin',
      OMP_NUM_THREADS: '4',
      KEYBOARD: 'us',
      TOKENIZER: 'bpe',
      MONKEY: 'x'
    };
    expect(redactEnv(env)).toEqual(env);
  });
});
