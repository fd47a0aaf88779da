import { nullTranslator } from '@jupyterlab/translation';
import { applyPreset, initialValues, kindOfPath, validate } from '../src/form';
import { info } from './helpers';

const trans = nullTranslator.load('hotstepper');
const GIB = 1024 ** 3;

describe('the submit form', () => {
  it('starts from the admin defaults and the file it was opened for', () => {
    const values = initialValues(info(), { file: 'reports/weekly.ipynb' });
    expect(values).toMatchObject({ kind: 'notebook', cpu: '1', memory: '1', timeLimit: '60' });
    expect(kindOfPath('run.sh')).toBe('script');
    // Defaults above the quota could never run: the form starts from what fits.
    const small = info({
      quota: { source: 'local', cpu: { used: 0, limit: 0.5 }, memory: { used: 0, limit: GIB / 2 } }
    });
    expect(initialValues(small)).toMatchObject({ cpu: '0.5', memory: '0.5' });
    expect(kindOfPath('A.IPYNB')).toBe('notebook');
  });

  it('makes the JobSubmit of a command: argv split shell-like, name from the program, GiB and minutes converted', () => {
    const values = {
      ...initialValues(info()),
      command: `python -c "import time; print('x')"`,
      cpu: '0.5',
      memory: '1.5',
      timeLimit: '2',
      env: 'SEED=42\n# a comment\n\nMODE=fast lane',
      cwd: 'work'
    };
    const { errors, submit } = validate(values, info(), trans, 'key-1');
    expect(errors).toEqual({});
    expect(submit).toEqual({
      kind: 'command',
      name: `python: print('x')`,
      command: ['python', '-c', "import time; print('x')"],
      cwd: 'work',
      env: { SEED: '42', MODE: 'fast lane' },
      resources: { cpu: 0.5, memory: 1.5 * GIB },
      timeLimitSeconds: 120,
      idempotencyKey: 'key-1'
    });
  });

  it('says what is wrong with each field, and sends nothing', () => {
    const values = {
      ...initialValues(info()),
      command: `echo 'unclosed`,
      cpu: '0',
      memory: '9',
      timeLimit: '1441',
      env: '1BAD=x',
      cwd: '../outside'
    };
    const { errors, submit } = validate(values, info(), trans);
    expect(submit).toBeUndefined();
    expect(errors).toEqual({
      command: 'A quote in the command is not closed',
      cpu: 'CPU must be more than 0',
      memory: 'Memory can be at most 8 GiB (the quota)',
      timeLimit: 'Time limit can be at most 1440 minutes',
      env: '1BAD is not a variable name: letters, digits and _, not starting with a digit',
      cwd: 'The working directory must be inside the root directory (no leading / or ..)'
    });
    expect(validate({ ...values, command: '', cpu: 'lots' }, info(), trans).errors).toMatchObject({
      command: 'Type the command to run, e.g. python train.py --epochs 3',
      cpu: 'CPU must be a number'
    });
    expect(validate({ ...values, cpu: '5' }, info(), trans).errors.cpu).toBe(
      'CPU can be at most 4 (the quota)'
    );
  });

  it('needs a file for scripts and notebooks, inside the root; notebook parameters as JSON values', () => {
    const base = { ...initialValues(info()), kind: 'notebook' as const };
    expect(validate(base, info(), trans).errors.file).toBe(
      'Choose the file to run, relative to the root directory'
    );
    expect(validate({ ...base, file: '/etc/passwd' }, info(), trans).errors.file).toMatch(
      /inside the root directory/
    );
    expect(validate({ ...base, file: 'train.py' }, info(), trans).errors.file).toBe(
      'A notebook job runs a .ipynb file'
    );
    const ok = validate(
      { ...base, file: 'a/report.ipynb', parameters: 'alpha=0.5\nname=run 1\nflags=[1,2]' },
      info(),
      trans
    );
    expect(ok.submit).toMatchObject({
      kind: 'notebook',
      name: 'report.ipynb',
      file: 'a/report.ipynb',
      parameters: { alpha: 0.5, name: 'run 1', flags: [1, 2] }
    });
    expect(
      validate({ ...base, file: 'a.ipynb', parameters: 'alpha' }, info(), trans).errors.parameters
    ).toBe('Line 1 is not key=value: alpha');
    expect(
      validate({ ...base, file: 'a.ipynb', parameters: 'a=1' }, info({ papermill: false }), trans)
        .errors.parameters
    ).toBe('Notebook parameters need papermill, which is not installed on this server');
    const script = validate(
      { ...base, kind: 'script', file: 'run.sh', args: `--name 'a b'` },
      info(),
      trans
    );
    expect(script.submit).toMatchObject({
      kind: 'script',
      file: 'run.sh',
      args: ['--name', 'a b']
    });
  });

  it('fills resources and the time limit from a preset; GPUs only where there are any', () => {
    const withGpus = info({
      gpuModels: ['a40'],
      quota: { ...info().quota, cpu: { used: 0, limit: null }, memory: { used: 0, limit: null } }
    });
    const values = applyPreset(
      { ...initialValues(withGpus), command: 'nvidia-smi' },
      withGpus,
      'gpu'
    );
    expect(values).toMatchObject({
      preset: 'gpu',
      cpu: '4',
      memory: '16',
      gpuCount: '1',
      gpuModel: 'a40',
      timeLimit: '60'
    });
    expect(validate(values, withGpus, trans).submit).toMatchObject({
      preset: 'gpu',
      resources: { cpu: 4, memory: 16 * GIB, gpu: { count: 1, model: 'a40' } }
    });
    expect(validate(values, info(), trans).errors.gpuCount).toBe('Jobs cannot have GPUs here');
    expect(applyPreset(values, withGpus, 'small')).toMatchObject({
      cpu: '1',
      memory: '2',
      gpuCount: '',
      timeLimit: '30'
    });
  });
});
