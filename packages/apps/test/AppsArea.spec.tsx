import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { act } from '@testing-library/react';
import { AppsArea } from '../src/components/AppsArea';

describe('the Apps panel', () => {
  it('says so when the image has no platform apps', async () => {
    const area = new AppsArea({ trans: nullTranslator.load('hotstepper') });
    await act(async () => {
      Widget.attach(area, document.body);
      area.update();
    });
    expect(area.node.textContent).toContain('No platform apps in this image.');
    area.dispose();
  });
});
