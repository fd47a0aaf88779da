import type { Exposure, FlareProtection } from '@hotstepper/api';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useRef, useState } from 'react';
import {
  EXPIRY_CHOICES,
  EXPIRY_MINUTES,
  type ExpiryChoice,
  expiryLabel,
  shortenCommand
} from '../format';
import type { FlareModel } from '../model';
import { suggestName, validateName } from '../names';
import { ExposureUrl } from './ExposureUrl';

export interface IExposeFormProps {
  model: FlareModel;
  trans: TranslationBundle;
  /** The port the form starts with. */
  port: number;
}

const PROTECTIONS: FlareProtection[] = ['none', 'password', 'secret-link'];

function protectionHelp(protection: FlareProtection, trans: TranslationBundle): string {
  switch (protection) {
    case 'none':
      return trans.__('Anyone who has the address can open the app.');
    case 'password':
      return trans.__('The browser asks for the user name "flare" and this password.');
    case 'secret-link':
      return trans.__('The address carries a secret: only those you send it to can open the app.');
  }
}

/**
 * Exposes a port: name, protection and expiry, checked as the user types; the backend's
 * refusal is shown in place without losing the input; on success, the URL to share.
 */
export function ExposeForm({ model, trans, port: initialPort }: IExposeFormProps): JSX.Element {
  // One entry per port (an app may listen on 0.0.0.0 and :: alike).
  const ports = model.appPorts.filter(
    (row, i, all) => all.findIndex(o => o.port === row.port) === i
  );
  const info = model.info.value;
  const commandOf = (p: number) => ports.find(row => row.port === p)?.command ?? '';
  const [port, setPort] = useState(initialPort);
  const [name, setName] = useState(() =>
    suggestName(commandOf(initialPort), initialPort, model.takenNames)
  );
  const [nameEdited, setNameEdited] = useState(false);
  const [protection, setProtection] = useState<FlareProtection>(model.settings.defaultProtection);
  const [password, setPassword] = useState('');
  const [showPassword, setShowPassword] = useState(false);
  const [expiry, setExpiry] = useState<ExpiryChoice>(model.settings.defaultExpiry);
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<string>();
  const [result, setResult] = useState<Exposure>();
  const nameInput = useRef<HTMLInputElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);

  if (result) {
    return (
      <section
        className="hs-Panel-section hs-FlareForm hs-FlareForm-done"
        aria-labelledby="hs-FlareForm-title"
      >
        <h3 className="hs-Panel-cardTitle" id="hs-FlareForm-title">
          {trans.__('Port %1 is exposed as "%2"', result.port, result.name)}
        </h3>
        <ExposureUrl exposure={result} trans={trans} />
        {result.username && (
          <p className="hs-Panel-note hs-FlareForm-note">
            {trans.__('User name: %1 (and the password you chose)', result.username)}
          </p>
        )}
        {result.protection === 'secret-link' && (
          <p className="hs-Panel-note hs-FlareForm-note">
            {trans.__('The address is the key: share it only with those who may open the app.')}
          </p>
        )}
        <div className="hs-FlareForm-actions">
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-accept"
            onClick={() => model.closeForm()}
          >
            {trans.__('Done')}
          </button>
        </div>
      </section>
    );
  }

  const minLength = info?.passwordMinLength ?? 8;
  const nameError = validateName(name, trans, model.takenNames);
  const passwordError =
    protection === 'password' && password.length < minLength
      ? trans.__('The password needs at least %1 characters.', minLength)
      : undefined;
  const portError = ports.some(row => row.port === port)
    ? undefined
    : trans.__('Nothing listens on port %1 now: start the app first.', port);
  const showNameError = (nameEdited || attempted) && nameError;
  const showPasswordError = attempted && passwordError;

  const choosePort = (next: number) => {
    setPort(next);
    setServerError(undefined);
    if (!nameEdited) {
      setName(suggestName(commandOf(next), next, model.takenNames));
    }
  };

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setAttempted(true);
    setServerError(undefined);
    if (nameError) {
      nameInput.current?.focus();
      return;
    }
    if (passwordError) {
      passwordInput.current?.focus();
      return;
    }
    if (portError || info?.unavailable) {
      return;
    }
    setBusy(true);
    try {
      const minutes = EXPIRY_MINUTES[expiry];
      setResult(
        await model.expose({
          port,
          name,
          protection,
          ...(protection === 'password' ? { password } : {}),
          ...(minutes !== undefined ? { expiresInMinutes: minutes } : {})
        })
      );
    } catch (err) {
      setServerError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="hs-Panel-section hs-FlareForm"
      aria-labelledby="hs-FlareForm-title"
      onSubmit={event => void submit(event)}
      noValidate
    >
      <h3 className="hs-Panel-cardTitle" id="hs-FlareForm-title">
        {trans.__('Expose a port')}
      </h3>
      <label className="hs-FlareForm-field">
        <span>{trans.__('Port')}</span>
        <select
          className="hs-FlareForm-port"
          value={port}
          onChange={event => choosePort(Number(event.target.value))}
        >
          {!ports.some(row => row.port === port) && <option value={port}>{port}</option>}
          {ports.map(row => (
            <option key={row.port} value={row.port}>
              {`${row.port} — ${shortenCommand(row.command)}`}
            </option>
          ))}
        </select>
      </label>
      {portError && (
        <p className="hs-FlareForm-error" role="alert">
          {portError}
        </p>
      )}
      <label className="hs-FlareForm-field">
        <span>{trans.__('Name')}</span>
        <input
          ref={nameInput}
          className="hs-FlareForm-name"
          type="text"
          value={name}
          maxLength={63}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={showNameError ? true : undefined}
          aria-describedby="hs-FlareForm-name-help"
          onChange={event => {
            setName(event.target.value);
            setNameEdited(true);
            setServerError(undefined);
          }}
        />
      </label>
      <p
        id="hs-FlareForm-name-help"
        className={showNameError ? 'hs-FlareForm-error' : 'hs-Panel-note hs-FlareForm-help'}
        role={showNameError ? 'alert' : undefined}
      >
        {showNameError ||
          trans.__(
            'Part of the address. 1–30 lowercase letters, digits and hyphens, starting and ending with a letter or digit.'
          )}
      </p>
      <fieldset className="hs-FlareForm-protection">
        <legend>{trans.__('Protection')}</legend>
        {PROTECTIONS.map(value => (
          <label key={value} className="hs-FlareForm-radio">
            <input
              type="radio"
              name="hs-FlareForm-protection"
              value={value}
              checked={protection === value}
              onChange={() => {
                setProtection(value);
                setServerError(undefined);
              }}
            />
            {value === 'none'
              ? trans.__('None')
              : value === 'password'
                ? trans.__('Password')
                : trans.__('Secret link')}
          </label>
        ))}
        <p className="hs-Panel-note hs-FlareForm-help">{protectionHelp(protection, trans)}</p>
        {protection === 'password' && (
          <>
            <div className="hs-FlareForm-password">
              <label className="hs-FlareForm-field">
                <span>{trans.__('Visitors’ password')}</span>
                <input
                  ref={passwordInput}
                  className="hs-FlareForm-passwordInput"
                  type={showPassword ? 'text' : 'password'}
                  value={password}
                  autoComplete="new-password"
                  aria-invalid={showPasswordError ? true : undefined}
                  aria-describedby="hs-FlareForm-password-help"
                  onChange={event => {
                    setPassword(event.target.value);
                    setServerError(undefined);
                  }}
                />
              </label>
              <button
                type="button"
                className="jp-Button jp-mod-minimal hs-FlareForm-reveal"
                aria-pressed={showPassword}
                onClick={() => setShowPassword(!showPassword)}
              >
                {showPassword ? trans.__('Hide') : trans.__('Show')}
              </button>
            </div>
            <p
              id="hs-FlareForm-password-help"
              className={
                showPasswordError ? 'hs-FlareForm-error' : 'hs-Panel-note hs-FlareForm-help'
              }
              role={showPasswordError ? 'alert' : undefined}
            >
              {showPasswordError || trans.__('At least %1 characters.', minLength)}
            </p>
          </>
        )}
      </fieldset>
      <label className="hs-FlareForm-field">
        <span>{trans.__('Expires')}</span>
        <select
          className="hs-FlareForm-expiry"
          value={expiry}
          onChange={event => setExpiry(event.target.value as ExpiryChoice)}
        >
          {EXPIRY_CHOICES.map(choice => (
            <option key={choice} value={choice}>
              {expiryLabel(choice, trans)}
            </option>
          ))}
        </select>
      </label>
      {serverError && (
        <p className="hs-FlareForm-error hs-FlareForm-serverError" role="alert">
          {serverError}
        </p>
      )}
      <div className="hs-FlareForm-actions">
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-reject"
          onClick={() => model.closeForm()}
        >
          {trans.__('Cancel')}
        </button>
        <button
          type="submit"
          className="jp-Button jp-mod-styled jp-mod-accept"
          disabled={busy || !!info?.unavailable}
        >
          {busy ? trans.__('Exposing…') : trans.__('Expose')}
        </button>
      </div>
    </form>
  );
}
