import { ReadableStream, TextDecoderStream } from 'node:stream/web';
import { type Transfer, Transfer as TransferSchema } from '@hotstepper/api';
import { failing, schemaErrors, settingsRouting } from '@hotstepper/core/lib/testing';
import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { runTransfer, storagePath, TransferForm, transferTargets } from '../src/transfer';
import { home, storage } from './fixtures';

Object.assign(globalThis, { ReadableStream, TextDecoderStream });

const trans = nullTranslator.load('hotstepper');

function transfer(over: Partial<Transfer> = {}): Transfer {
  const t: Transfer = {
    id: 't1',
    from: { storage: 'home', path: 'data' },
    to: { storage: 'scratch', path: '' },
    mode: 'copy',
    conflict: 'keep-both',
    state: 'running',
    filesDone: 0,
    filesTotal: 4,
    bytesDone: 0,
    bytesTotal: 4096,
    started: '2026-01-01T00:00:00.000Z',
    ...over
  };
  expect(schemaErrors(TransferSchema, t)).toEqual([]);
  return t;
}

const event = (t: Transfer) => `event: transfer\ndata: ${JSON.stringify(t)}\n\n`;

describe('Copy to… / Move to…', () => {
  afterEach(() => Notification.dismiss());

  it('reads a file browser path as a storage and a path', () => {
    expect(storagePath('scratch:data/a.csv')).toEqual({ storage: 'scratch', path: 'data/a.csv' });
    expect(storagePath('data/a:b.csv')).toEqual({ storage: 'home', path: 'data/a:b.csv' });
    expect(storagePath('notes.txt')).toEqual({ storage: 'home', path: 'notes.txt' });
  });

  it('offers only the storages that can be written, and returns the choices made', () => {
    const targets = transferTargets([
      home(),
      storage(),
      storage({ name: 'shared', label: 'shared', mode: 'ro', reason: 'read-only: x' }),
      storage({ name: 'gone', label: 'gone', available: false })
    ]);
    expect(targets.map(t => t.name)).toEqual(['home', 'scratch']);
    const form = new TransferForm(targets, trans, 'scratch');
    const [where, conflict] = [...form.node.querySelectorAll('select')];
    expect([...where.options].map(o => o.value)).toEqual(['home', 'scratch']);
    expect([...conflict.options].map(o => o.value)).toEqual(['skip', 'overwrite', 'keep-both']);
    expect(form.getValue()).toEqual({ storage: 'scratch', folder: '', conflict: 'skip' });
    where.value = 'home';
    form.node.querySelector('input')!.value = '/runs/2026/ ';
    conflict.value = 'keep-both';
    expect(form.getValue()).toEqual({
      storage: 'home',
      folder: 'runs/2026',
      conflict: 'keep-both'
    });
    form.dispose();
  });

  it('shows the progress from the stream and how the transfer ended', async () => {
    const seen: Request[] = [];
    const settings = settingsRouting(
      {
        'POST api/v1/storage/transfers': { status: 202, body: transfer() },
        'api/v1/storage/transfers/t1/events': {
          status: 200,
          body: null,
          events: [
            event(transfer({ filesDone: 2, bytesDone: 2048 })),
            event(transfer({ state: 'done', filesDone: 4, bytesDone: 4096, target: 'data' }))
          ]
        }
      },
      seen
    );
    const updates: Array<{ message?: string; progress?: number; type?: string }> = [];
    Notification.manager.changed.connect((_, change) => {
      updates.push({
        message: change.notification.message,
        progress: change.notification.options.progress,
        type: change.notification.type
      });
    });
    const ended = await runTransfer(
      {
        from: { storage: 'home', path: 'data' },
        to: { storage: 'scratch', path: '' },
        mode: 'copy',
        conflict: 'keep-both'
      },
      settings,
      trans
    );
    expect(ended?.state).toBe('done');
    expect(await seen[0].json()).toMatchObject({ mode: 'copy', conflict: 'keep-both' });
    expect(updates).toContainEqual({
      message: 'Copying data: 2 of 4 files, 2 KiB of 4 KiB',
      progress: 0.5,
      type: 'in-progress'
    });
    expect(updates[updates.length - 1]).toMatchObject({
      message: 'Copied data to scratch:data',
      progress: 1,
      type: 'success'
    });
  });

  it('says why a transfer was refused', async () => {
    const settings = settingsRouting({
      'POST api/v1/storage/transfers': failing(
        403,
        'shared is read-only: members of course-students may only read; nothing was changed'
      )
    });
    const ended = await runTransfer(
      {
        from: { storage: 'home', path: 'data' },
        to: { storage: 'shared', path: '' },
        mode: 'move',
        conflict: 'skip'
      },
      settings,
      trans
    );
    expect(ended).toBeUndefined();
    expect(Notification.manager.notifications[0]).toMatchObject({
      type: 'error',
      message: 'shared is read-only: members of course-students may only read; nothing was changed'
    });
  });
});
