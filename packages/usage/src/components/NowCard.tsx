import type { UsageSnapshot } from '@hotstepper/api';
import { formatBytes, formatCores, formatPercent, Meter } from '@hotstepper/core';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import type { UsageModel } from '../model';
import { Card } from './Card';

export interface ICardViewProps {
  model: UsageModel;
  trans: TranslationBundle;
  /** The sidebar (default) or the main area's full-size view. */
  size?: 'sidebar' | 'full';
}

/** A chart's height and how many steps its y axis has, by where it is drawn. */
export function chartSize(
  size: ICardViewProps['size'],
  sidebarHeight: number
): { height: number; intervals: number } {
  return size === 'full' ? { height: 260, intervals: 4 } : { height: sidebarHeight, intervals: 2 };
}

/** CPU, memory and the notebook's own GPUs against their limits, now. */
export function NowCard({ model, trans }: ICardViewProps): JSX.Element {
  return (
    <Card<UsageSnapshot> name="now" title={trans.__('Now')} state={model.now} trans={trans}>
      {s => {
        const cpu = s.cpu.used / s.cpu.limit;
        const mem = s.memory.used / s.memory.limit;
        const platform = model.kernels.value?.platform;
        const unlimited = (['cpu', 'memory'] as const).filter(r => s[r].limitSource === 'host');
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
            {platform && (
              <p className="hs-Panel-note hs-UsageCard-note hs-NowCard-platform">
                {trans.__(
                  "Of this, Jupyter and Hotstepper themselves use %1 and %2. They are the platform's processes, not your work.",
                  formatCores(platform.cpu),
                  formatBytes(platform.memory)
                )}
              </p>
            )}
            {unlimited.length > 0 && (
              <p className="hs-Panel-note hs-UsageCard-note hs-NowCard-limits">
                {unlimited.length === 2
                  ? trans.__(
                      'No CPU or memory limit is set: the bars are against the whole machine.'
                    )
                  : unlimited[0] === 'cpu'
                    ? trans.__('No CPU limit is set: the CPU bar is against the whole machine.')
                    : trans.__(
                        'No memory limit is set: the memory bar is against the whole machine.'
                      )}
              </p>
            )}
            <p className="hs-Panel-note hs-UsageCard-note hs-NowCard-time">
              {trans.__('Measured at %1.', new Date(s.sampledAt).toLocaleTimeString())}
            </p>
          </>
        );
      }}
    </Card>
  );
}
