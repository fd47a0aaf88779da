import { nullTranslator } from '@jupyterlab/translation';
import { JobsModel } from '../src/model';
import { RunningJobs } from '../src/running';
import { FakeBackend, job, until } from './helpers';
import * as fs from 'fs';
import * as path from 'path';

const trans = nullTranslator.load('hotstepper');

describe("JupyterLab's Running panel", () => {
  it('lists the active jobs by name; open shows the view, shut down cancels', async () => {
    const backend = new FakeBackend();
    backend.routes['api/v1/jobs?status=queued,starting,running&limit=500'] = {
      status: 200,
      body: {
        jobs: [job('j2', 'running', { name: 'train.py' }), job('j3', 'queued', { name: 'fit' })],
        total: 2,
        counts: {}
      }
    };
    backend.routes['POST api/v1/jobs/j2/cancel'] = { status: 200, body: job('j2', 'cancelled') };
    const model = new JobsModel({ serverSettings: backend.settings, live: false });
    const open = jest.fn();
    const running = new RunningJobs({ model: () => model, trans, open });
    expect(running.name).toBe('Jobs');
    expect(running.running()).toEqual([]);
    await until(running.runningChanged, () => running.running().length === 2);
    const [first] = running.running();
    expect(first.label()).toBe('train.py');
    first.open!();
    expect(open).toHaveBeenCalledWith('j2');
    first.shutdown!();
    // The cancelled job leaves the list with the model's answer.
    await until(running.runningChanged, () => running.running().length === 1);
    expect(running.running()[0].label()).toBe('fit');
    model.dispose();
  });
});

describe('the settings', () => {
  it('show labels, not ids: every choice of the filter setting has a title', () => {
    const schema = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', 'schema', 'panel.json'), 'utf8')
    );
    const choices = schema.properties.defaultFilter.oneOf as Array<{
      const: string;
      title: string;
    }>;
    expect(choices.find(c => c.const === 'timed-out')?.title).toBe('Timed out');
    for (const choice of choices) {
      expect(choice.title).not.toBe(choice.const);
      expect(choice.title).toMatch(/^[A-Z]/);
    }
  });
});
