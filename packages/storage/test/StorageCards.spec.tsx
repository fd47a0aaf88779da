import { settingsRouting, until } from '@hotstepper/core/lib/testing';
import { nullTranslator } from '@jupyterlab/translation';
import { act, fireEvent, render, screen } from '@testing-library/react';
import React from 'react';
import { StorageCardsView } from '../src/components/StorageCards';
import { StorageModel } from '../src/model';
import { home, storage, storageList } from './fixtures';

const trans = nullTranslator.load('hotstepper');

describe('StorageCardsView', () => {
  let model: StorageModel | undefined;
  afterEach(() => model?.dispose());

  async function renderCards(status = 200, body: unknown = undefined) {
    model = new StorageModel({
      visible: true,
      serverSettings: settingsRouting({ 'api/v1/storage': { status, body } })
    });
    await until(model.changed, () => !model!.list.loading);
    const opened: string[] = [];
    const copied: string[] = [];
    const r = render(
      <StorageCardsView
        model={model}
        trans={trans}
        onOpen={n => opened.push(n)}
        onCopyPath={n => copied.push(n)}
      />
    );
    return { ...r, opened, copied };
  }

  it('shows each storage with its kind, capacity, mode and the reason it is read-only', async () => {
    const reason = 'read-only: members of course-ml may only read';
    const r = await renderCards(
      200,
      storageList([
        home(),
        storage({ usedFraction: 0.85 }),
        storage({
          name: 'course',
          label: 'Course',
          kind: 'shared',
          mode: 'ro',
          reason,
          usedFraction: 0.92
        })
      ])
    );
    const cards = r.container.querySelectorAll<HTMLElement>('.hs-StorageCard');
    expect([...cards].map(c => c.dataset.storage)).toEqual(['home', 'scratch', 'course']);
    const fill = (name: string) =>
      r.container.querySelector<HTMLElement>(`[data-storage="${name}"] .hs-Meter-fill`)!.dataset
        .level;
    expect(fill('home')).toBe('ok');
    expect(fill('scratch')).toBe('warn');
    expect(fill('course')).toBe('danger');
    const badge = cards[2].querySelector('.hs-StorageCard-badge')!;
    expect(badge.textContent).toBe('RO');
    expect(badge.getAttribute('title')).toBe(reason);
    expect(cards[2].textContent).toContain(reason);
    expect(cards[1].querySelector('.hs-StorageCard-badge')!.textContent).toBe('RW');
    expect(cards[1].textContent).toContain('/mnt/scratch');
    expect(cards[1].textContent).toContain('85 GiB of 100 GiB (85%), 15 GiB free');
    expect(screen.getByText('alice · groups (JupyterHub): course-ml, staff')).toBeTruthy();

    act(() => void fireEvent.click(cards[1]));
    act(() => void fireEvent.keyDown(cards[2], { key: 'Enter' }));
    expect(r.opened).toEqual(['scratch', 'course']);
    act(
      () => void fireEvent.click(screen.getByRole('button', { name: 'Copy the path of Course' }))
    );
    expect(r.copied).toEqual(['course']);
    expect(r.opened).toHaveLength(2);
  });

  it('says why a storage cannot be reached, and what went wrong with the list', async () => {
    const r = await renderCards(
      200,
      storageList([
        storage({
          available: false,
          capacity: undefined,
          used: undefined,
          free: undefined,
          problem: '/home/meta/alice cannot be reached (ENOENT)'
        })
      ])
    );
    expect(r.container.textContent).toContain('/home/meta/alice cannot be reached (ENOENT)');
    r.unmount();
    model!.dispose();
    const failed = await renderCards(502, {
      statusCode: 502,
      error: 'Bad Gateway',
      message: 'Your groups could not be read from JupyterHub: HTTP 403'
    });
    expect(failed.container.textContent).toContain(
      'Your groups could not be read from JupyterHub: HTTP 403'
    );
  });
});
