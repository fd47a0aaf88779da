/**
 * Whether papermill is there is learnt by importing it, which can take longer than the probe
 * allows on a loaded machine: a probe that timed out says so and is asked again later, it is
 * not taken for "papermill is not installed".
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { JobService } from '../src/features/jobs/service';
import { createJobs } from '../src/platform';
import { LocalPlatform } from '../src/platform/local';
import { ProcTreeReader } from '../src/platform/resources';
import { Store } from '../src/store';
import { VENV_PYTHON } from './jobs-helpers';

const dir = mkdtempSync(join(tmpdir(), 'hotstepper-jobs-papermill-'));
const config = parseConfig({});
const platform = new LocalPlatform(new ProcTreeReader(process.pid, '', {}));
let store: Store | undefined;
let service: JobService | undefined;

afterAll(async () => {
  await service?.stop();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a probe that timed out says "could not check papermill (timed out)", and the next one asks again', async () => {
  mkdirSync(join(dir, 'root'));
  // The first import hangs (a machine under load), every later one is the venv's Python.
  const python = join(dir, 'python');
  writeFileSync(
    python,
    `#!/bin/sh\nif [ ! -e "${dir}/slow-once" ]; then : > "${dir}/slow-once"; exec sleep 60; fi\n` +
      `exec "${VENV_PYTHON}" "$@"\n`
  );
  chmodSync(python, 0o755);
  store = new Store({ path: ':memory:' });
  service = new JobService({
    config,
    store,
    jobs: createJobs(config, { platform, env: {} }),
    dataDir: join(dir, 'data'),
    rootDir: join(dir, 'root'),
    env: { ...process.env, HOTSTEPPER_PYTHON: python },
    papermillTimeoutMs: 8000
  });
  await service.start();
  const first = await service.info();
  expect({ papermill: first.papermill, note: first.papermillNote }).toEqual({
    papermill: false,
    note: 'could not check papermill (timed out); it is asked again at the next request'
  });
  const second = await service.info();
  expect({ papermill: second.papermill, note: second.papermillNote }).toEqual({
    papermill: true,
    note: undefined
  });
}, 30_000);
