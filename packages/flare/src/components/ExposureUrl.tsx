import type { Exposure } from '@hotstepper/api';
import type { TranslationBundle } from '@jupyterlab/translation';
import { launchIcon } from '@jupyterlab/ui-components';
import React from 'react';
import { urlBreaks } from '../format';
import { CopyButton } from './CopyButton';

/** An exposure's public URL: the link (a new tab), a copy button and an open button. */
export function ExposureUrl(props: {
  exposure: Pick<Exposure, 'name' | 'url'>;
  trans: TranslationBundle;
}): JSX.Element {
  const { exposure, trans } = props;
  return (
    <div className="hs-FlareUrl">
      <a
        className="hs-FlareUrl-link"
        href={exposure.url}
        target="_blank"
        rel="noopener noreferrer"
        title={trans.__('Open %1 in a new tab', exposure.url)}
        aria-label={exposure.url}
      >
        {urlBreaks(exposure.url).map((part, i) => (
          <React.Fragment key={i}>
            {i > 0 && <wbr />}
            {part}
          </React.Fragment>
        ))}
      </a>
      <CopyButton
        text={exposure.url}
        label={trans.__('Copy the address of %1', exposure.name)}
        trans={trans}
      />
      <a
        className="hs-FlareUrl-open jp-Button jp-mod-minimal"
        href={exposure.url}
        target="_blank"
        rel="noopener noreferrer"
        aria-label={trans.__('Open %1 in a new tab', exposure.name)}
        title={trans.__('Open in a new tab')}
      >
        <launchIcon.react tag="span" />
      </a>
    </div>
  );
}
