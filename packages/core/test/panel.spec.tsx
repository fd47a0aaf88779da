import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { act } from '@testing-library/react';
import React from 'react';
import { type IPanelModel, ModelPanel } from '../src/panel';

class Model implements IPanelModel {
  readonly changed = new Signal<this, void>(this);
  visible = false;
  count = 0;
  isDisposed = false;
  dispose(): void {
    this.isDisposed = true;
  }
}

class Panel extends ModelPanel<Model> {
  renders = 0;
  protected render(): JSX.Element {
    this.renders++;
    return <p className="count">{this.model.count}</p>;
  }
}

async function settle(panel: Panel): Promise<void> {
  await act(async () => {
    await panel.renderPromise;
  });
}

describe('ModelPanel', () => {
  it('tells the model when it is shown or hidden, and renders only while shown', async () => {
    const model = new Model();
    const panel = new Panel(model);
    panel.hide();
    await act(async () => Widget.attach(panel, document.body));
    expect(model.visible).toBe(false);
    model.count = 1;
    model.changed.emit();
    await settle(panel);
    expect(panel.renders).toBe(0);

    await act(async () => panel.show());
    await settle(panel);
    expect(model.visible).toBe(true);
    expect(panel.node.querySelector('.count')?.textContent).toBe('1');
    const renders = panel.renders;

    model.count = 2;
    await act(async () => model.changed.emit());
    await settle(panel);
    expect(panel.renders).toBe(renders + 1);
    expect(panel.node.querySelector('.count')?.textContent).toBe('2');

    panel.hide();
    expect(model.visible).toBe(false);
    model.count = 3;
    model.changed.emit();
    model.changed.emit();
    await settle(panel);
    expect(panel.renders).toBe(renders + 1);
    // Shown again: one render with what changed meanwhile.
    await act(async () => panel.show());
    await settle(panel);
    expect(panel.node.querySelector('.count')?.textContent).toBe('3');

    await act(async () => Widget.detach(panel));
    expect(model.visible).toBe(false);
    await act(async () => panel.dispose());
    expect(model.isDisposed).toBe(true);
  });

  it('leaves a shared model alone when built with ownsModel: false', async () => {
    const model = new Model();
    const panel = new Panel(model, { ownsModel: false });
    await act(async () => Widget.attach(panel, document.body));
    expect(model.visible).toBe(true);
    await act(async () => panel.dispose());
    expect(model.isDisposed).toBe(false);
    expect(model.visible).toBe(false);
    // A disposed panel no longer listens.
    model.changed.emit();
    expect(panel.renders).toBeLessThanOrEqual(1);
  });
});
