import { render } from '@testing-library/react';
import React from 'react';
import { FlareStatus } from '../src/components/FlareStatus';
import { exposure, exposures, info } from './fixtures';
import { settingsRouting, until } from './helpers';
import { ok, trans } from './render';
import { FlareModel } from '../src/model';

describe('FlareStatus', () => {
  let model: FlareModel | undefined;
  afterEach(() => model?.dispose());

  it('says "Expose" with the number of exposures and how many have no listener', async () => {
    model = new FlareModel({
      serverSettings: settingsRouting({
        'api/v1/flare/info': ok(info()),
        'api/v1/flare/exposures': ok(
          exposures([
            exposure({ name: 'a', port: 8000 }),
            exposure({ name: 'b', port: 8001, listening: false })
          ])
        )
      })
    });
    const before = render(<FlareStatus model={model} trans={trans} />);
    expect(before.container.textContent).toBe('Expose');
    before.unmount();
    await until(model.changed, () => !!model!.exposures.value);
    const { container } = render(<FlareStatus model={model} trans={trans} />);
    expect(container.textContent).toBe('Expose2');
    const item = container.querySelector('.hs-FlareStatus')!;
    expect(item.getAttribute('aria-label')).toBe(
      '2 exposures are live. 1 has no listener. Open Flare to expose a web app at a public address.'
    );
    expect(container.querySelector('.hs-FlareStatus-count')!.getAttribute('data-no-listener')).toBe(
      'true'
    );
  });
});
