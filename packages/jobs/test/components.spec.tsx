import { nullTranslator } from '@jupyterlab/translation';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';
import { type IJobActions, JobDetailView } from '../src/components/JobDetail';
import { JobsPanelView } from '../src/components/JobsPanel';
import { QuotaBar } from '../src/components/QuotaBar';
import { SubmitFormView } from '../src/components/SubmitForm';
import type { JobViewTracker } from '../src/detail';
import { JobLogModel } from '../src/logModel';
import { JobsModel } from '../src/model';
import { FakeBackend, info, job, until } from './helpers';

const trans = nullTranslator.load('hotstepper');
const GIB = 1024 ** 3;

function actions(): { [K in keyof IJobActions]: jest.Mock } {
  return {
    cancel: jest.fn(async () => undefined),
    rerun: jest.fn(async () => undefined),
    edit: jest.fn(),
    remove: jest.fn(async () => undefined),
    download: jest.fn(async () => undefined),
    openFile: jest.fn()
  };
}

function logModel(j: ReturnType<typeof job>): JobLogModel {
  return new JobLogModel({
    serverSettings: new FakeBackend().settings,
    jobId: j.id,
    job: j,
    follow: false
  });
}

describe('QuotaBar', () => {
  it('shows a bar per limited resource with used of limit, the source and the note', () => {
    render(
      <QuotaBar
        trans={trans}
        quota={{
          source: 'resourcequota',
          cpu: { used: 3, limit: 4 },
          memory: { used: 2 * GIB, limit: null },
          note: 'namespace user-ada'
        }}
      />
    );
    const cpu = screen.getByRole('meter', { name: 'CPU used by jobs' });
    expect(cpu.getAttribute('aria-valuenow')).toBe('75');
    expect(cpu.getAttribute('aria-valuetext')).toBe('3 CPU of 4 CPU');
    expect(screen.queryByRole('meter', { name: 'Memory used by jobs' })).toBeNull();
    expect(screen.getByText('In use without a limit: Memory 2 GiB')).toBeTruthy();
    expect(screen.getByText("Your namespace's quota — namespace user-ada")).toBeTruthy();
  });

  it('marks a full quota', () => {
    const { container } = render(
      <QuotaBar
        trans={trans}
        quota={{ source: 'local', cpu: { used: 4, limit: 4 }, memory: { used: 0, limit: 8 * GIB } }}
      />
    );
    expect(
      container.querySelector('.hs-Meter-cpu .hs-Meter-fill')?.getAttribute('data-level')
    ).toBe('danger');
  });
});

describe('JobDetailView', () => {
  it('a running job: Cancel only, a live duration, the log with stderr marked', async () => {
    const running = job('j1', 'running', {
      startedAt: new Date(Date.now() - 65_000).toISOString(),
      env: { SEED: '1' },
      argv: ['python', '-c', 'print("a b")']
    });
    const model = logModel(running);
    model.append({ stream: 'stdout', offset: 0, text: 'line 0\n' });
    model.append({ stream: 'stderr', offset: 0, text: 'oops\n' });
    const acts = actions();
    render(<JobDetailView model={model} trans={trans} actions={acts} />);
    expect(screen.getByText('Running').getAttribute('data-status')).toBe('running');
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
    expect(screen.getByText(`python -c 'print("a b")'`)).toBeTruthy();
    expect(screen.getByText('SEED=1')).toBeTruthy();
    expect(screen.getByText(/^1 min [56] s$/)).toBeTruthy();
    const log = screen.getByRole('log');
    expect(log.textContent).toBe('line 0\noops\n');
    expect(within(log).getByText('oops', { exact: false }).getAttribute('data-stream')).toBe(
      'stderr'
    );
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    });
    expect(acts.cancel).toHaveBeenCalledWith(running);
    model.dispose();
  });

  it('says each fact in one plain sentence, and shows a multi-line command as its lines', () => {
    const shell = job('j4', 'succeeded', {
      argv: ['sh', '-ec', 'cd data\npython fetch.py'],
      externalId: '4242',
      enforcement: 'rlimit'
    });
    const model = logModel(shell);
    const { container } = render(<JobDetailView model={model} trans={trans} actions={actions()} />);
    const facts = container.querySelector('.hs-Jobs-facts')!.textContent!;
    expect(facts).not.toMatch(/held by|rlimit|cgroup/);
    expect(facts).toContain(
      'The job cannot use more memory than it asked for; it shares the CPU with your other work.'
    );
    // The id is said to be what it is, and what it is for.
    expect(facts).toContain('This server, as process group 4242 (what ps and kill know it by).');
    expect(container.querySelector('pre.hs-Jobs-command')!.textContent).toBe(
      'cd data\npython fetch.py'
    );
    expect(facts).toContain('With sh -ec, one command a line');
    model.dispose();
  });

  it('the "interrupted" banner goes away once events arrive again', async () => {
    const backend = new FakeBackend();
    backend.refuseStreams = true;
    const model = new JobLogModel({
      serverSettings: backend.settings,
      jobId: 'j1',
      job: job('j1', 'running'),
      reconnectDelay: 10
    });
    try {
      const acts = actions();
      const view = render(<JobDetailView model={model} trans={trans} actions={acts} />);
      await until(model.changed, () => model.error !== undefined);
      view.rerender(<JobDetailView model={model} trans={trans} actions={acts} />);
      expect(screen.getByText(/The log stream was interrupted/)).toBeTruthy();
      backend.refuseStreams = false;
      const stream = await backend.streamOpened();
      stream.send('log', { stream: 'stdout', offset: 0, text: 'back\n' }, '5:0');
      await until(model.changed, () => model.text === 'back\n');
      view.rerender(<JobDetailView model={model} trans={trans} actions={acts} />);
      expect(screen.queryByText(/The log stream was interrupted/)).toBeNull();
      expect(model.error).toBeUndefined();
    } finally {
      model.dispose();
    }
  });

  it('a failed notebook: the failing cell counted from 1, exit code, cost, Re-run and Delete', async () => {
    const failed = job('j2', 'failed', {
      kind: 'notebook',
      file: 'nb/analysis.ipynb',
      output: 'nb/analysis.executed.ipynb',
      reason: 'The notebook failed',
      exitCode: 1,
      failure: { cell: 2, error: 'ZeroDivisionError: division by zero' },
      startedAt: '2026-11-25T10:00:00Z',
      finishedAt: '2026-11-25T10:02:30Z',
      cost: { amount: 1.25, currency: 'CZK', estimate: true }
    });
    const model = logModel(failed);
    // papermill's noise, all on stderr; the notebook's own output on stdout.
    model.append({ stream: 'stderr', offset: 0, text: 'Executing: 100%|████| 3/3\n' });
    model.append({ stream: 'stdout', offset: 0, text: 'hello from cell 1\n' });
    model.append({
      stream: 'stderr',
      offset: 26,
      text: 'Traceback (most recent call last):\npapermill.exceptions.PapermillExecutionError\n'
    });
    const acts = actions();
    const { container } = render(<JobDetailView model={model} trans={trans} actions={acts} />);
    expect(screen.getByRole('alert').textContent).toBe(
      'Cell 3 failed: ZeroDivisionError: division by zero'
    );
    // The noise is folded under that one line, closed; the log shows the notebook's output.
    const folded = container.querySelector('details.hs-Jobs-messages') as HTMLDetailsElement;
    expect(folded.open).toBe(false);
    expect(folded.querySelector('summary')!.textContent).toBe(
      'Cell 3 failed: ZeroDivisionError: division by zero'
    );
    expect(folded.textContent).toContain('Executing: 100%');
    expect(folded.textContent).toContain('PapermillExecutionError');
    expect(screen.getByRole('log').textContent).toBe('hello from cell 1\n');
    expect(screen.getByText('The notebook failed')).toBeTruthy();
    expect(screen.getByText('2 min 30 s')).toBeTruthy();
    expect(screen.getByText(/1[.,]25/).textContent).toMatch(/^≈ /);
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'nb/analysis.executed.ipynb' }));
    expect(acts.openFile).toHaveBeenCalledWith('nb/analysis.executed.ipynb');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Re-run' }));
    });
    expect(acts.rerun).toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Edit and re-run' }));
    expect(acts.edit).toHaveBeenCalledWith(failed);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Download errors' }));
    });
    expect(acts.download).toHaveBeenCalledWith(failed, 'stderr');
    model.dispose();
  });

  it("shows an action's failure in the backend's words", async () => {
    const done = job('j3', 'succeeded');
    const model = logModel(done);
    const acts = actions();
    acts.remove.mockRejectedValueOnce(new Error('Job j3 is still running'));
    render(<JobDetailView model={model} trans={trans} actions={acts} />);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    });
    expect(screen.getByRole('alert').textContent).toBe('Job j3 is still running');
    model.dispose();
  });
});

describe('JobsPanelView', () => {
  async function panelWith(
    routes: FakeBackend['routes'],
    tracker?: { currentWidget: { content: { model: { jobId: string } } } | null }
  ) {
    const backend = new FakeBackend();
    backend.routes = { 'api/v1/jobs/info': { status: 200, body: info() }, ...routes };
    const model = new JobsModel({ serverSettings: backend.settings, live: false });
    await until(model.changed, () => !model.loading);
    const onOpen = jest.fn();
    const onNew = jest.fn();
    const view = render(
      <JobsPanelView
        model={model}
        trans={trans}
        onOpen={onOpen}
        onNew={onNew}
        tracker={tracker as unknown as JobViewTracker}
      />
    );
    return { model, view, onOpen, onNew, backend };
  }

  it('lists jobs with a status word, the filter with counts, the quota; a click opens the job', async () => {
    const { model, onOpen, onNew } = await panelWith({
      'api/v1/jobs?limit=50&offset=0': {
        status: 200,
        body: {
          jobs: [
            job('j2', 'running', { name: 'train' }),
            job('j1', 'timed-out', { name: 'sweep' })
          ],
          total: 2,
          counts: { running: 1, 'timed-out': 1, succeeded: 0 }
        }
      }
    });
    const items = screen.getAllByRole('listitem');
    expect(items.map(i => i.getAttribute('data-status'))).toEqual(['running', 'timed-out']);
    expect(within(items[1]).getByText('Timed out')).toBeTruthy();
    const options = within(screen.getByRole('combobox', { name: 'Show' })).getAllByRole('option');
    expect(options.map(o => o.textContent)).toEqual([
      'All (2)',
      'Active (1)',
      'Queued (0)',
      'Running (1)',
      'Succeeded (0)',
      'Failed (0)',
      'Cancelled (0)',
      'Timed out (1)'
    ]);
    expect(screen.getByRole('meter', { name: 'CPU used by jobs' })).toBeTruthy();
    fireEvent.click(within(items[0]).getByRole('button'));
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ id: 'j2' }));
    fireEvent.click(screen.getByRole('button', { name: 'New job' }));
    expect(onNew).toHaveBeenCalled();
    model.dispose();
  });

  it("a job submitted after the panel opened is aged from the time it is shown, not the panel's start", async () => {
    const { model, view } = await panelWith({
      'api/v1/jobs?limit=50&offset=0': { status: 200, body: { jobs: [], total: 0, counts: {} } }
    });
    const later = Date.now() + 120_000;
    const now = jest.spyOn(Date, 'now').mockReturnValue(later);
    try {
      model.applyJob(job('j7', 'succeeded', { createdAt: new Date(later - 3000).toISOString() }));
      view.rerender(
        <JobsPanelView model={model} trans={trans} onOpen={jest.fn()} onNew={jest.fn()} />
      );
      expect(screen.getByRole('listitem').querySelector('.hs-Jobs-itemAge')?.textContent).toBe(
        '3 sec. ago'
      );
    } finally {
      now.mockRestore();
      model.dispose();
    }
  });

  it('marks the job whose view is open', async () => {
    const { model } = await panelWith(
      {
        'api/v1/jobs?limit=50&offset=0': {
          status: 200,
          body: {
            jobs: [job('j2', 'running'), job('j1', 'succeeded')],
            total: 2,
            counts: { running: 1, succeeded: 1 }
          }
        }
      },
      { currentWidget: { content: { model: { jobId: 'j1' } } } }
    );
    const current = screen
      .getAllByRole('listitem')
      .filter(i => i.classList.contains('hs-mod-current'));
    expect(current.map(i => i.getAttribute('data-job-id'))).toEqual(['j1']);
    expect(within(current[0]).getByRole('button').getAttribute('aria-current')).toBe('true');
    model.dispose();
  });

  it('says how to start when there are no jobs', async () => {
    const { model } = await panelWith({
      'api/v1/jobs?limit=50&offset=0': { status: 200, body: { jobs: [], total: 0, counts: {} } }
    });
    expect(screen.getByText(/^No jobs yet — run a script, a command or a notebook/)).toBeTruthy();
    model.dispose();
  });

  it("an error: the backend's message and Retry", async () => {
    const { model, backend, view } = await panelWith({
      'api/v1/jobs?limit=50&offset=0': {
        status: 503,
        body: { message: 'The jobs runner is not configured' }
      }
    });
    expect(screen.getByRole('alert').textContent).toContain('The jobs runner is not configured');
    backend.routes['api/v1/jobs?limit=50&offset=0'] = {
      status: 200,
      body: { jobs: [job('j1', 'queued')], total: 1, counts: { queued: 1 } }
    };
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
      await until(model.changed, () => model.jobs.length === 1);
    });
    view.rerender(
      <JobsPanelView model={model} trans={trans} onOpen={jest.fn()} onNew={jest.fn()} />
    );
    expect(screen.getAllByRole('listitem')).toHaveLength(1);
    model.dispose();
  });
});

describe('SubmitFormView', () => {
  it('shows the parsed argv, marks bad fields on submit, and keeps what was typed after a 400', async () => {
    const backend = new FakeBackend();
    backend.routes['api/v1/jobs?limit=50&offset=0'] = {
      status: 200,
      body: { jobs: [], total: 0, counts: {} }
    };
    backend.routes['api/v1/jobs/info'] = { status: 200, body: info() };
    backend.routes['POST api/v1/jobs'] = {
      status: 400,
      body: { message: 'command: no program "pyhton" on PATH' }
    };
    const model = new JobsModel({ serverSettings: backend.settings, live: false });
    await until(model.changed, () => !model.loading);
    const onSubmitted = jest.fn();
    render(
      <SubmitFormView model={model} trans={trans} info={model.info} onSubmitted={onSubmitted} />
    );

    const command = screen.getByRole('textbox', { name: 'Command' }) as HTMLInputElement;
    fireEvent.change(command, { target: { value: `pyhton -c 'print(1)'` } });
    expect(screen.getByText('Runs without a shell, as 3 arguments:')).toBeTruthy();
    expect(screen.getByText('print(1)').tagName).toBe('CODE');

    fireEvent.change(screen.getByLabelText('CPU cores'), { target: { value: '-1' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Submit' }));
    });
    expect(screen.getByText('CPU must be more than 0')).toBeTruthy();
    expect(screen.getByLabelText('CPU cores').getAttribute('aria-invalid')).toBe('true');
    expect(backend.seen.some(r => r.method === 'POST')).toBe(false);

    fireEvent.change(screen.getByLabelText('CPU cores'), { target: { value: '2' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Submit' }));
    });
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 20));
    });
    expect(screen.getByRole('alert').textContent).toBe(
      'The job was not created: command: no program "pyhton" on PATH'
    );
    expect((screen.getByRole('textbox', { name: 'Command' }) as HTMLInputElement).value).toBe(
      `pyhton -c 'print(1)'`
    );
    expect(onSubmitted).not.toHaveBeenCalled();

    // The same form sends the same key again: a retry cannot make a second job.
    backend.routes['POST api/v1/jobs'] = { status: 201, body: job('j5', 'queued') };
    fireEvent.change(command, { target: { value: `python -c 'print(1)'` } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Submit' }));
    });
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 20));
    });
    expect(onSubmitted).toHaveBeenCalledWith(expect.objectContaining({ id: 'j5' }));
    const posts = backend.seen.filter(r => r.method === 'POST');
    const [a, b] = await Promise.all(posts.map(p => p.json()));
    expect(a.idempotencyKey).toEqual(expect.any(String));
    expect(b.idempotencyKey).toBe(a.idempotencyKey);
    expect(b).toMatchObject({
      kind: 'command',
      command: ['python', '-c', 'print(1)'],
      resources: { cpu: 2 }
    });
    model.dispose();
  });

  it('hides GPU fields without GPU models and parameters without papermill; presets fill resources', () => {
    const backend = new FakeBackend();
    const model = new JobsModel({ serverSettings: backend.settings, live: false });
    render(
      <SubmitFormView
        model={model}
        trans={trans}
        info={info({ papermill: false })}
        initial={{ file: 'a.ipynb' }}
        onSubmitted={jest.fn()}
      />
    );
    expect((screen.getByRole('textbox', { name: 'Notebook' }) as HTMLInputElement).value).toBe(
      'a.ipynb'
    );
    expect(screen.queryByLabelText('GPUs')).toBeNull();
    expect(screen.queryByLabelText('Parameters')).toBeNull();
    fireEvent.change(screen.getByLabelText('Preset'), { target: { value: 'small' } });
    expect((screen.getByLabelText('Memory (GiB)') as HTMLInputElement).value).toBe('2');
    expect((screen.getByLabelText('Time limit (minutes)') as HTMLInputElement).value).toBe('30');
    model.dispose();
  });

  it('leaving a fresh form checks nothing: Cancel works at once, and no message moves anything', () => {
    const model = new JobsModel({ serverSettings: new FakeBackend().settings, live: false });
    const onCancel = jest.fn();
    const { container } = render(
      <SubmitFormView
        model={model}
        trans={trans}
        info={info()}
        onSubmitted={jest.fn()}
        onCancel={onCancel}
      />
    );
    const command = screen.getByRole('textbox', { name: 'Command' });
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    expect(document.activeElement).toBe(command);
    const slots = () => container.querySelectorAll('.hs-Jobs-fieldMessage').length;
    const before = slots();
    fireEvent.blur(command, { relatedTarget: cancel });
    fireEvent.click(cancel);
    expect(onCancel).toHaveBeenCalledTimes(1);
    expect(container.querySelector('.hs-Jobs-fieldError')).toBeNull();
    // Moving on within the form from an untouched field checks nothing either.
    fireEvent.blur(command, { relatedTarget: screen.getByRole('textbox', { name: 'Name' }) });
    expect(container.querySelector('.hs-Jobs-fieldError')).toBeNull();

    // A changed field is checked when the user moves on; its error takes the hint's place.
    fireEvent.change(command, { target: { value: `echo 'open` } });
    fireEvent.blur(command, { relatedTarget: screen.getByRole('textbox', { name: 'Name' }) });
    const message = container.querySelector('#hs-Jobs-field-command-message')!;
    expect(message.className).toContain('hs-Jobs-fieldError');
    expect(message.textContent).toBe('A quote in the command is not closed');
    expect(slots()).toBe(before);
    // The form's own message sits beside the buttons, in a slot that is always there.
    const buttons = container.querySelector('.hs-Jobs-formButtons')!;
    expect(buttons.querySelector('[role="alert"]')!.textContent).toBe('');
    fireEvent.submit(container.querySelector('form')!);
    expect(buttons.querySelector('[role="alert"]')!.textContent).toBe(
      'Correct the marked fields first.'
    );
    model.dispose();
  });

  it('takes several lines: each one command run by sh -ec, and says so', async () => {
    const backend = new FakeBackend();
    backend.routes['POST api/v1/jobs'] = { status: 201, body: job('j6', 'queued') };
    const model = new JobsModel({ serverSettings: backend.settings, live: false });
    const onSubmitted = jest.fn();
    render(<SubmitFormView model={model} trans={trans} info={info()} onSubmitted={onSubmitted} />);
    const command = screen.getByRole('textbox', { name: 'Command' });
    expect(command.tagName).toBe('TEXTAREA');
    fireEvent.change(command, { target: { value: 'cd data\npython3 -c "import sys\nprint(1)"' } });
    expect(
      screen.getByText('Runs with sh -ec: 2 commands, one a line, stopping at the first that fails')
    ).toBeTruthy();
    expect((screen.getByRole('textbox', { name: 'Name' }) as HTMLInputElement).placeholder).toBe(
      'cd data'
    );
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Submit' }));
    });
    await act(async () => {
      await new Promise(resolve => setTimeout(resolve, 20));
    });
    const sent = await backend.seen.find(r => r.method === 'POST')!.json();
    expect(sent.command).toEqual(['sh', '-ec', 'cd data\npython3 -c "import sys\nprint(1)"']);
    expect(onSubmitted).toHaveBeenCalled();
    model.dispose();
  });

  it('opens filled from a job for Edit and re-run', () => {
    const model = new JobsModel({ serverSettings: new FakeBackend().settings, live: false });
    render(
      <SubmitFormView
        model={model}
        trans={trans}
        info={info()}
        initial={{ name: 'fetch', command: 'cd data\npython fetch.py', env: 'SEED=1', cpu: '2' }}
        onSubmitted={jest.fn()}
      />
    );
    expect(screen.getByRole('heading').textContent).toBe('Edit and re-run fetch');
    expect((screen.getByRole('textbox', { name: 'Command' }) as HTMLTextAreaElement).value).toBe(
      'cd data\npython fetch.py'
    );
    expect((screen.getByLabelText('CPU cores') as HTMLInputElement).value).toBe('2');
    model.dispose();
  });
});
