import { Widget } from '@lumino/widgets';
import { LazyPanel } from '../src/lazy';

describe('LazyPanel', () => {
  it('loads its panel only when first shown, once, and the panel fills it', async () => {
    const content = new Widget();
    content.addClass('real');
    const load = jest.fn(() => Promise.resolve(content));
    const lazy = new LazyPanel({ load, loadingText: 'Loading…' });
    lazy.hide();
    Widget.attach(lazy, document.body);
    expect(load).not.toHaveBeenCalled();
    expect(lazy.node.textContent).toBe('Loading…');

    lazy.show();
    lazy.hide();
    lazy.show();
    await lazy.load();
    expect(load).toHaveBeenCalledTimes(1);
    expect(lazy.content).toBe(content);
    expect(lazy.node.querySelector('.real')).toBe(content.node);
    expect(lazy.node.querySelector('.hs-LazyPanel-status')).toBeNull();
    // The loaded panel is shown and hidden with its placeholder.
    lazy.hide();
    expect(content.isVisible).toBe(false);
    lazy.show();
    expect(content.isVisible).toBe(true);
    lazy.dispose();
    expect(content.isDisposed).toBe(true);
  });

  it('loads at once when attached already visible (a restored sidebar)', async () => {
    const load = jest.fn(() => Promise.resolve(new Widget()));
    const lazy = new LazyPanel({ load });
    Widget.attach(lazy, document.body);
    expect(load).toHaveBeenCalledTimes(1);
    await lazy.load();
    lazy.dispose();
  });

  it('says when the chunk cannot be fetched, and tries again on the next show', async () => {
    const load = jest
      .fn<Promise<Widget>, []>()
      .mockRejectedValueOnce(new Error('Loading chunk 77 failed'))
      .mockResolvedValueOnce(new Widget());
    const lazy = new LazyPanel({ load, errorText: m => `Could not load the panel: ${m}` });
    lazy.hide();
    Widget.attach(lazy, document.body);
    await expect(lazy.load()).rejects.toThrow('Loading chunk 77 failed');
    const status = lazy.node.querySelector('.hs-LazyPanel-status')!;
    expect(status.textContent).toBe('Could not load the panel: Loading chunk 77 failed');
    expect(status.getAttribute('role')).toBe('alert');
    lazy.show();
    await lazy.load();
    expect(load).toHaveBeenCalledTimes(2);
    expect(lazy.content).toBeDefined();
    lazy.dispose();
  });
});
