import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { IdleNotifier, idleWarningKey, idleWarningMessage } from '../src/idle';
import { COUNTING_DOWN, idle } from './fixtures';

const trans = nullTranslator.load('hotstepper');

/** A Storage stand-in (jsdom has one, but each test wants a fresh one). */
function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: key => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value)
  };
}

const warnings = () => Notification.manager.notifications.filter(n => n.type === 'warning');

describe('idle warning', () => {
  beforeEach(() => Notification.dismiss());

  describe('idleWarningKey', () => {
    const now = new Date('2026-11-25T10:00:00Z');

    it("is none while the backend's status says there is nothing to warn about", () => {
      expect(idleWarningKey(idle({}, 0.8), now)).toBeUndefined();
      expect(idleWarningKey(idle(), now)).toBeUndefined();
    });

    it('is there when the backend says to warn: an idle day counted, or the removal near', () => {
      expect(idleWarningKey(idle({ idleDays: 1, warning: true }), now)).toMatch(
        /^2026-11-2\d\|1\|$/
      );
      const soon = idle({ removalAt: '2026-11-26T03:00:00.000Z', warning: true });
      expect(idleWarningKey(soon, now)).toBeDefined();
    });

    it('is none when the clean-up is off', () => {
      expect(idleWarningKey(idle({ ...COUNTING_DOWN, enabled: false }), now)).toBeUndefined();
    });

    it('changes with the day and with the countdown', () => {
      const a = idleWarningKey(idle(COUNTING_DOWN), now);
      const nextDay = idleWarningKey(idle(COUNTING_DOWN), new Date('2026-11-26T10:00:00Z'));
      const more = idleWarningKey(idle({ ...COUNTING_DOWN, idleDays: 3 }), now);
      expect(new Set([a, nextDay, more]).size).toBe(3);
    });
  });

  it('the message says how far the countdown is and when, in under 140 characters', () => {
    const text = idleWarningMessage(idle({ ...COUNTING_DOWN, enforce: 'hub' }), trans);
    expect(text).toMatch(
      /^Idle for 2 of 4 days: this server will be removed on .+ unless it is used\.$/
    );
    expect(text.length).toBeLessThanOrEqual(140);
  });

  it('with enforce off, the message does not promise a removal: the rule only counts down', () => {
    const text = idleWarningMessage(idle(COUNTING_DOWN), trans);
    expect(text).toMatch(
      /^Idle for 2 of 4 days\. The idle rule would remove this server on .+; nothing removes it here\.$/
    );
    expect(text).not.toMatch(/will be removed/);
    expect(text.length).toBeLessThanOrEqual(140);
  });

  it('warns once per day and countdown, with an action that opens the panel', () => {
    const openPanel = jest.fn();
    const storage = memoryStorage();
    let now = new Date('2026-11-25T10:00:00Z');
    const notifier = new IdleNotifier({ trans, openPanel, storage, now: () => now });

    notifier.update(idle());
    expect(warnings()).toHaveLength(0);

    notifier.update(idle(COUNTING_DOWN));
    expect(warnings()).toHaveLength(1);
    const [warning] = warnings();
    expect(warning.message).toMatch(/^Idle for 2 of 4 days/);
    expect(warning.options.autoClose).toBe(false);
    const action = warning.options.actions![0];
    expect(action.label).toBe('Open usage panel');
    action.callback(new MouseEvent('click'));
    expect(openPanel).toHaveBeenCalledTimes(1);

    // The same status on each poll: no second warning.
    notifier.update(idle(COUNTING_DOWN));
    notifier.update(idle(COUNTING_DOWN));
    expect(warnings()).toHaveLength(1);

    // The next day: a new warning in place of the old one.
    now = new Date('2026-11-26T10:00:00Z');
    notifier.update(idle({ ...COUNTING_DOWN, idleDays: 3 }));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0].message).toMatch(/^Idle for 3 of 4 days/);
    expect(warnings()[0].id).not.toBe(warning.id);
  });

  it('does not warn again after a reload the same day', () => {
    const storage = memoryStorage();
    const now = () => new Date('2026-11-25T10:00:00Z');
    new IdleNotifier({ trans, openPanel: jest.fn(), storage, now }).update(idle(COUNTING_DOWN));
    expect(warnings()).toHaveLength(1);
    Notification.dismiss();

    new IdleNotifier({ trans, openPanel: jest.fn(), storage, now }).update(idle(COUNTING_DOWN));
    expect(warnings()).toHaveLength(0);
  });

  it('takes the warning back when the server is busy again', () => {
    const notifier = new IdleNotifier({ trans, openPanel: jest.fn(), storage: memoryStorage() });
    notifier.update(idle(COUNTING_DOWN));
    expect(warnings()).toHaveLength(1);
    notifier.update(idle({ idleDays: 0, removalAt: null, warning: false }, 0.8));
    expect(warnings()).toHaveLength(0);
    expect(notifier.notificationId).toBeUndefined();
  });

  it('stays quiet when switched off in the settings', () => {
    const notifier = new IdleNotifier({ trans, openPanel: jest.fn(), storage: memoryStorage() });
    notifier.enabled = false;
    notifier.update(idle(COUNTING_DOWN));
    expect(warnings()).toHaveLength(0);
  });
});
