import type { KernelUsageList } from '@hotstepper/api';
import { formatBytes, formatCores, formatPercent } from '@hotstepper/core';
import React from 'react';
import { Card } from './Card';
import type { ICardViewProps } from './NowCard';

/** "dir/sub/analysis.ipynb" → ["analysis.ipynb", "dir/sub"]. */
function splitPath(path: string): [string, string] {
  const i = path.lastIndexOf('/');
  return i < 0 ? [path, ''] : [path.slice(i + 1), path.slice(0, i)];
}

/** Memory per kernel with its notebook, largest first, against the memory limit. */
export function KernelsCard({ model, trans }: ICardViewProps): JSX.Element {
  return (
    <Card<KernelUsageList>
      name="kernels"
      title={trans.__('Kernels')}
      state={model.kernels}
      trans={trans}
    >
      {list => {
        const rows = model.kernelRows;
        const limit = model.now.value?.memory.limit;
        const scale = limit ?? Math.max(1, list.other.memory, ...rows.map(r => r.memory));
        const bar = (memory: number) => `${Math.min(100, (memory / scale) * 100)}%`;
        return (
          <>
            {rows.length === 0 ? (
              <p className="hs-Panel-empty hs-UsageCard-empty">{trans.__('No kernels running.')}</p>
            ) : (
              <ul className="hs-KernelsCard-list" aria-label={trans.__('Memory per kernel')}>
                {rows.map(row => {
                  const [name, dir] = row.path ? splitPath(row.path) : ['', ''];
                  const title = row.path
                    ? row.path
                    : trans.__(
                        'A kernel that no notebook or console in this JupyterLab is using (kernel id %1).',
                        row.kernelId
                      );
                  const figure = limit
                    ? trans.__(
                        '%1 (%2 of the limit)',
                        formatBytes(row.memory),
                        formatPercent(row.memory / limit)
                      )
                    : formatBytes(row.memory);
                  return (
                    <li
                      key={row.kernelId}
                      className="hs-KernelsCard-row"
                      title={`${title}\n${figure}, ${formatCores(row.cpu)}`}
                      data-kernel-id={row.kernelId}
                    >
                      <div className="hs-KernelsCard-text">
                        <span className="hs-KernelsCard-name">
                          {row.path ? name : trans.__('A kernel not open here')}
                        </span>
                        {dir && <span className="hs-KernelsCard-dir">{dir}</span>}
                        <span className="hs-KernelsCard-memory">{formatBytes(row.memory)}</span>
                      </div>
                      <div className="hs-KernelsCard-track" aria-hidden="true">
                        <div className="hs-KernelsCard-bar" style={{ width: bar(row.memory) }} />
                      </div>
                    </li>
                  );
                })}
              </ul>
            )}
            <p className="hs-Panel-note hs-UsageCard-note hs-KernelsCard-other">
              {trans.__(
                'Your other processes (terminals, programs outside kernels) use %1.',
                formatBytes(list.other.memory)
              )}
            </p>
            {list.platform && (
              <p className="hs-Panel-note hs-UsageCard-note hs-KernelsCard-platform">
                {trans.__(
                  'Jupyter and Hotstepper themselves use %1 and %2.',
                  formatBytes(list.platform.memory),
                  formatCores(list.platform.cpu)
                )}
              </p>
            )}
          </>
        );
      }}
    </Card>
  );
}
