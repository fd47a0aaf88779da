import type { JobStatus } from '@hotstepper/api';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import { statusLabel } from '../format';

/** The status as a coloured badge with its word: the colour alone would say nothing to some. */
export function StatusBadge({
  status,
  trans
}: {
  status: JobStatus;
  trans: TranslationBundle;
}): JSX.Element {
  return (
    <span className={`hs-Jobs-status hs-mod-${status}`} data-status={status}>
      {statusLabel(status, trans)}
    </span>
  );
}
