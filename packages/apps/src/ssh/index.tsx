import '../../style/ssh.css';
import type { ServerConnection } from '@jupyterlab/services';
import { nullTranslator, type TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useReducer, useState } from 'react';
import { SshModel } from './model';
import { SshCard } from './SshCard';

export interface ISshSectionProps {
  /** Default: untranslated. */
  trans?: TranslationBundle;
  serverSettings?: ServerConnection.ISettings;
}

/** The SSH card of the Apps panel: its own model, polled while the card is mounted. */
export function SshSection(props: ISshSectionProps): JSX.Element {
  const trans = props.trans ?? nullTranslator.load('hotstepper');
  const [model] = useState(() => new SshModel({ serverSettings: props.serverSettings }));
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    model.changed.connect(rerender);
    return () => {
      model.changed.disconnect(rerender);
    };
  }, [model]);
  useEffect(() => () => model.dispose(), [model]);
  return <SshCard model={model} trans={trans} />;
}

export { SshModel } from './model';
