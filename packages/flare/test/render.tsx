import { nullTranslator } from '@jupyterlab/translation';
import { act, render, type RenderResult } from '@testing-library/react';
import React, { useEffect, useState } from 'react';
import { FlarePanelView } from '../src/components/FlarePanel';
import { FlareModel } from '../src/model';
import { NOW } from './fixtures';
import { type IAnswer, settingsRouting, until } from './helpers';

export const trans = nullTranslator.load('hotstepper');
export const ok = (body: unknown): IAnswer => ({ status: 200, body });

/** The panel's view, re-rendered on every change of the model, as the widget does. */
function Live(props: {
  model: FlareModel;
  confirm: (title: string, body: string, accept: string) => Promise<boolean>;
}): JSX.Element {
  const [, setTick] = useState(0);
  useEffect(() => {
    const bump = () => setTick(n => n + 1);
    props.model.changed.connect(bump);
    return () => void props.model.changed.disconnect(bump);
  }, [props.model]);
  return <FlarePanelView model={props.model} trans={trans} confirm={props.confirm} now={NOW} />;
}

export interface IRendered extends RenderResult {
  model: FlareModel;
  seen: Request[];
  confirmed: string[];
}

/**
 * Renders the panel over a backend answering `routes` and waits for the first answers.
 * `confirmAnswer` is what the user says to each confirmation.
 */
export async function renderPanel(
  routes: Record<string, IAnswer | (() => IAnswer)>,
  confirmAnswer = true
): Promise<IRendered> {
  const seen: Request[] = [];
  const confirmed: string[] = [];
  const model = new FlareModel({ serverSettings: settingsRouting(routes, seen), visible: true });
  const confirm = async (title: string) => {
    confirmed.push(title);
    return confirmAnswer;
  };
  let result!: RenderResult;
  await act(async () => {
    result = render(<Live model={model} confirm={confirm} />);
    await until(
      model.changed,
      () => !model.ports.loading && !model.exposures.loading && !model.info.loading
    );
  });
  return { ...result, model, seen, confirmed };
}
