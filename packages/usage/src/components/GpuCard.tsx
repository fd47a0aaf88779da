import type { GpuInventory } from '@hotstepper/api';
import React from 'react';
import { gpuSquares } from '../chartData';
import { Card } from './Card';
import type { ICardViewProps } from './NowCard';

/**
 * Free and taken GPUs per model (or MIG profile): one square per GPU,
 * filled = taken, hollow = free. Not shown at all where there are no GPUs
 * (inventory source "none" and none in the snapshot), nor while that is
 * not yet known.
 */
export function GpuCard({ model, trans }: ICardViewProps): JSX.Element | null {
  if (model.hasGpus !== true) {
    return null;
  }
  const SOURCE: Record<GpuInventory['source'], string> = {
    kubernetes: trans.__("from the cluster's nodes and running pods"),
    'nvidia-smi': trans.__('from nvidia-smi on this machine'),
    none: trans.__('no inventory')
  };
  // Who asked the cluster, when the admin set up the hub's cluster service.
  const VIA: Record<NonNullable<GpuInventory['via']>, string> = {
    'cluster-service': trans.__("(the hub's cluster view)"),
    own: trans.__("(counted by this server: the hub's cluster service did not answer)")
  };
  const source = (inventory: GpuInventory) =>
    inventory.via ? `${SOURCE[inventory.source]} ${VIA[inventory.via]}` : SOURCE[inventory.source];
  return (
    <Card<GpuInventory>
      name="gpus"
      title={trans.__('Free GPUs')}
      state={model.gpus}
      trans={trans}
      isEmpty={inv => inv.models.length === 0}
      empty={model.gpus.value?.reason ?? trans.__('No GPU inventory is available here.')}
    >
      {inventory => (
        <>
          <ul className="hs-GpuCard-list">
            {inventory.models.map(m => {
              const g = gpuSquares(m);
              const label = trans.__('%1: %2 of %3 free', g.model, g.free, g.total);
              return (
                <li key={g.model} className="hs-GpuCard-model" data-model={g.model}>
                  <div className="hs-GpuCard-text">
                    <span className="hs-GpuCard-name">{g.model}</span>
                    <span className="hs-GpuCard-count">
                      {trans.__('%1 free / %2', g.free, g.total)}
                    </span>
                  </div>
                  <div className="hs-GpuCard-squares" role="img" aria-label={label} title={label}>
                    {g.squares.map((kind, i) => (
                      <span
                        key={i}
                        className={`hs-GpuCard-square hs-mod-${kind}`}
                        data-kind={kind}
                      />
                    ))}
                  </div>
                </li>
              );
            })}
          </ul>
          <p className="hs-Panel-note hs-UsageCard-note">
            {inventory.reason
              ? `${source(inventory)}; ${inventory.reason}`
              : trans.__(
                  '%1, checked at %2',
                  source(inventory),
                  new Date(inventory.checkedAt).toLocaleTimeString()
                )}
          </p>
          <p className="hs-GpuCard-key" aria-hidden="true">
            <span className="hs-GpuCard-square hs-mod-taken" /> {trans.__('taken')}
            <span className="hs-GpuCard-square hs-mod-free" /> {trans.__('free')}
          </p>
        </>
      )}
    </Card>
  );
}
