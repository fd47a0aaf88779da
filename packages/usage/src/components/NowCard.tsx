import type { UsageSnapshot } from '@hotstepper/api';
import { formatBytes, formatCores, formatPercent, Meter } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { UsageModel } from '../model';
import { Card } from './Card';

export interface ICardViewProps {
  model: UsageModel;
  trans: TranslationBundle;
}

/** CPU, memory and the notebook's own GPUs against their limits, now. */
export function NowCard({ model, trans }: ICardViewProps): JSX.Element {
  return (
    <Card<UsageSnapshot> name="now" title={trans.__('Now')} state={model.now} trans={trans}>
      {s => {
        const cpu = s.cpu.used / s.cpu.limit;
        const mem = s.memory.used / s.memory.limit;
        return (
          <>
            <Meter
              part="cpu"
              label={trans.__('CPU')}
              value={trans.__(
                '%1 of %2 (%3)',
                formatCores(s.cpu.used),
                formatCores(s.cpu.limit),
                formatPercent(cpu)
              )}
              fraction={cpu}
              level={model.level(cpu)}
            />
            <Meter
              part="memory"
              label={trans.__('Memory')}
              value={trans.__(
                '%1 of %2 (%3)',
                formatBytes(s.memory.used),
                formatBytes(s.memory.limit),
                formatPercent(mem)
              )}
              fraction={mem}
              level={model.level(mem)}
            />
            {(s.gpus ?? []).map(gpu => {
              const memory = gpu.memoryTotal > 0 ? gpu.memoryUsed / gpu.memoryTotal : null;
              const name = trans.__('GPU %1 · %2', gpu.index, gpu.model);
              return (
                <React.Fragment key={gpu.uuid}>
                  <Meter
                    part="gpu"
                    label={name}
                    value={
                      gpu.utilization === null
                        ? trans.__('utilisation not reported (MIG)')
                        : formatPercent(gpu.utilization)
                    }
                    fraction={gpu.utilization}
                    level={model.level(gpu.utilization)}
                  />
                  <Meter
                    part="gpu-memory"
                    label={trans.__('%1 memory', name)}
                    value={trans.__(
                      '%1 of %2',
                      formatBytes(gpu.memoryUsed),
                      formatBytes(gpu.memoryTotal)
                    )}
                    fraction={memory}
                    level={model.level(memory)}
                  />
                </React.Fragment>
              );
            })}
            <p className="hs-Panel-note hs-UsageCard-note">
              {trans.__('Measured at %1', new Date(s.sampledAt).toLocaleTimeString())}
            </p>
          </>
        );
      }}
    </Card>
  );
}
