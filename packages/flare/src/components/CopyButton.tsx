import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { copyIcon } from '@jupyterlab/ui-components';
import React, { useEffect, useState } from 'react';

/** Copies `text` to the clipboard and says so for two seconds. */
export function CopyButton(props: {
  text: string;
  label: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { text, label, trans } = props;
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) {
      return;
    }
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <button
      type="button"
      className="hs-FlareCopy jp-Button jp-mod-minimal"
      aria-label={label}
      title={label}
      onClick={() => {
        Clipboard.copyToSystem(text);
        setCopied(true);
      }}
    >
      <copyIcon.react tag="span" className="hs-FlareCopy-icon" />
      <span className="hs-FlareCopy-text" aria-live="polite">
        {copied ? trans.__('Copied') : trans.__('Copy')}
      </span>
    </button>
  );
}
