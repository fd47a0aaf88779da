import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';
import { isoToZoned, knownZones, localZone, zonedToIso } from '../time';

export interface IDueDateFormProps {
  trans: TranslationBundle;
  /** The due date shown first, with its offset, and the zone it was set in. */
  dueDate?: string;
  timeZone?: string;
  /** Names a new assignment too (the create form). */
  withName?: boolean;
  submitLabel: string;
  /** Resolves once saved; a rejection's message is shown under the form. */
  onSubmit: (value: { name: string; dueDate: string | null; timeZone: string }) => Promise<void>;
  onCancel?: () => void;
}

const ZONES = knownZones();

/** A name (for a new assignment), a due date and the zone it is meant in. */
export function DueDateForm(props: IDueDateFormProps): JSX.Element {
  const { trans } = props;
  const [zone, setZone] = React.useState(props.timeZone || localZone());
  const [name, setName] = React.useState('');
  const [local, setLocal] = React.useState(
    props.dueDate ? isoToZoned(props.dueDate, props.timeZone || localZone()) : ''
  );
  const [error, setError] = React.useState<string>();
  const [saving, setSaving] = React.useState(false);
  const id = React.useId();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const dueDate = local ? zonedToIso(local, zone) : null;
    if (local && !dueDate) {
      setError(trans.__('The due date is not a date and time'));
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      await props.onSubmit({ name: name.trim(), dueDate, timeZone: zone });
      if (props.withName) {
        setName('');
        setLocal('');
      }
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <form className="hs-CourseForm" onSubmit={e => void submit(e)}>
      {props.withName && (
        <label htmlFor={`${id}-name`}>
          {trans.__('Name')}
          <input
            id={`${id}-name`}
            aria-label={trans.__('Name')}
            className="jp-mod-styled"
            required
            pattern="[A-Za-z0-9_][A-Za-z0-9_.\-]*"
            maxLength={100}
            placeholder="ps1"
            title={trans.__('Letters, digits, "_", "-" and "."; the folder under source/')}
            value={name}
            onChange={e => setName(e.target.value)}
          />
        </label>
      )}
      <label htmlFor={`${id}-due`}>
        {trans.__('Due date')}
        <input
          id={`${id}-due`}
          aria-label={trans.__('Due date')}
          className="jp-mod-styled"
          type="datetime-local"
          value={local}
          onChange={e => setLocal(e.target.value)}
        />
      </label>
      <label htmlFor={`${id}-zone`}>
        {trans.__('Time zone')}
        <select
          id={`${id}-zone`}
          aria-label={trans.__('Time zone')}
          className="jp-mod-styled"
          value={zone}
          onChange={e => setZone(e.target.value)}
        >
          {(ZONES.includes(zone) ? ZONES : [zone, ...ZONES]).map(z => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </label>
      {local && zonedToIso(local, zone) && (
        <p className="hs-Panel-note hs-CourseForm-preview">
          {trans.__('Due at %1', zonedToIso(local, zone)!)}
        </p>
      )}
      <div className="hs-CourseActions">
        <button type="submit" className="jp-mod-styled jp-mod-accept" disabled={saving}>
          {props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" className="jp-mod-styled jp-mod-reject" onClick={props.onCancel}>
            {trans.__('Cancel')}
          </button>
        )}
      </div>
      {error && (
        <p className="hs-Panel-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
