/** The flare answers these tests feed the panel are checked against the wire contract's schemas. */
import { Exposure, ExposureList, FlareInfo, ListeningPorts } from '@hotstepper/api';
import { schemaErrors } from '@hotstepper/core/lib/testing';
import { exposure, exposures, info, ports } from './fixtures';

describe('the flare fixtures are answers the backend could send', () => {
  it('the info is a FlareInfo', () => {
    expect(schemaErrors(FlareInfo, info())).toEqual([]);
    expect(schemaErrors(FlareInfo, info({ platform: 'kubernetes' }))).toEqual([]);
  });

  it('the ports are ListeningPorts', () => {
    expect(schemaErrors(ListeningPorts, ports())).toEqual([]);
    expect(
      schemaErrors(ListeningPorts, ports([8050, 'python app.py', ['dash']], [6006, 'tensorboard']))
    ).toEqual([]);
  });

  it('an exposure is an Exposure, and a list of them an ExposureList', () => {
    const dash = exposure({ name: 'dash', port: 8050 });
    const locked = exposure({ name: 'report', port: 8051, protection: 'password' });
    expect(schemaErrors(Exposure, dash)).toEqual([]);
    expect(schemaErrors(Exposure, locked)).toEqual([]);
    expect(
      schemaErrors(
        ExposureList,
        exposures(
          [dash, locked],
          [{ name: 'old', port: 9000, expiredAt: '2026-11-25T08:00:00.000Z' }]
        )
      )
    ).toEqual([]);
  });

  it('the check fails on a fixture the backend could not send', () => {
    expect(schemaErrors(Exposure, { ...exposure({ name: 'x', port: 1 }), port: '1' })).not.toEqual(
      []
    );
  });
});
