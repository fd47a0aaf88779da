/** The summary in a JupyterLab dialog: modal, focus kept inside, Escape dismisses. */
import { Dialog, ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { WelcomeBack, type IWelcomeActions } from './components/WelcomeBack';
import type { Period, WelcomeModel } from './model';

export interface IOverlayOptions {
  model: WelcomeModel;
  actions: IWelcomeActions;
  trans: TranslationBundle;
  period?: Period;
  since?: number;
  /** Offers "Don't show this again" (when it opened by itself) and calls this when ticked. */
  onDontShowAgain?: () => void;
}

let current: Dialog<unknown> | undefined;

/** Opens the summary, unless it is open already. */
export async function openOverlay(options: IOverlayOptions): Promise<void> {
  if (current) {
    current.activate();
    return;
  }
  const { model, trans, onDontShowAgain } = options;
  let dialog: Dialog<unknown> | undefined = undefined;
  // An action leaves the dialog first, so what it opens gets the focus.
  const closing =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      dialog?.resolve(0);
      fn(...args);
    };
  const { openCell, openJob, openUsage } = options.actions;
  const actions: IWelcomeActions = {
    openCell: closing(openCell),
    openJob: openJob && closing(openJob),
    openUsage: openUsage && closing(openUsage)
  };
  const body = ReactWidget.create(
    <WelcomeBack
      model={model}
      actions={actions}
      trans={trans}
      period={options.period}
      since={options.since}
    />
  );
  body.addClass('hs-Welcome-body');
  dialog = new Dialog({
    title: trans.__('What Happened While You Were Away'),
    body,
    buttons: [Dialog.okButton({ label: trans.__('Dismiss') })],
    checkbox: onDontShowAgain
      ? {
          label: trans.__("Don't show this again when I come back"),
          caption: trans.__('The command "What Happened While I Was Away" still opens it'),
          checked: false
        }
      : null,
    hasClose: true
  });
  dialog.addClass('hs-Welcome-dialog');
  current = dialog;
  try {
    const result = await dialog.launch();
    if (result.isChecked && onDontShowAgain) {
      onDontShowAgain();
    }
  } finally {
    current = undefined;
    dialog.dispose();
  }
}
