import { joinArgv, splitArgv } from '../src/argv';

describe('splitArgv', () => {
  it.each([
    ['python train.py --epochs 3', ['python', 'train.py', '--epochs', '3']],
    ['  spaced   out\targs \n', ['spaced', 'out', 'args']],
    [`python -c "import time; print('a b')"`, ['python', '-c', "import time; print('a b')"]],
    [
      `echo 'single "kept"' "double \\"escaped\\" \\$HOME"`,
      ['echo', 'single "kept"', 'double "escaped" $HOME']
    ],
    [`echo a\\ b c\\\\d`, ['echo', 'a b', 'c\\d']],
    [`printf '' x`, ['printf', '', 'x']],
    ['ls $HOME *.py | wc', ['ls', '$HOME', '*.py', '|', 'wc']],
    [`a"b"'c'd`, ['abcd']],
    ['', []]
  ])('%s', (text, argv) => {
    expect(splitArgv(text)).toEqual({ argv });
  });

  it('names an unclosed quote or a trailing backslash', () => {
    expect(splitArgv(`python -c 'print(1)`).error).toBe('unclosed-single');
    expect(splitArgv(`python -c "print(1)`).error).toBe('unclosed-double');
    expect(splitArgv('echo a\\').error).toBe('trailing-backslash');
  });

  it('gives back what joinArgv quoted', () => {
    const argv = [
      'python',
      '-c',
      `print("it's", 1)`,
      "print('x')",
      "it's $X",
      '',
      'a b',
      '$X',
      'plain/path.py'
    ];
    expect(splitArgv(joinArgv(argv)).argv).toEqual(argv);
    expect(joinArgv(['python', 'x.py'])).toBe('python x.py');
  });
});
