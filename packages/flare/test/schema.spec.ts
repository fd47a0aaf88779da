/**
 * The settings as JupyterLab's Settings Editor shows them: every choice has a label (an enum
 * would show its ids, such as `secret-link`), and the labels match the panel's words.
 */
import schema from '../schema/panel.json';
import { EXPIRY_CHOICES, expiryLabel, protectionLabel } from '../src/format';
import { trans } from './render';

type Choice = { const: string; title: string };
const choices = (key: 'defaultProtection' | 'defaultExpiry') =>
  schema.properties[key] as unknown as { oneOf: Choice[]; enum?: unknown; default: string };

describe('the flare panel settings', () => {
  it('offers each choice under a label, not its id', () => {
    for (const key of ['defaultProtection', 'defaultExpiry'] as const) {
      const property = choices(key);
      expect(property.enum).toBeUndefined();
      expect(property.oneOf.every(c => c.title && c.title !== c.const)).toBe(true);
      expect(property.oneOf.map(c => c.const)).toContain(property.default);
    }
    expect(choices('defaultExpiry').oneOf).toEqual(
      EXPIRY_CHOICES.map(c => ({ const: c, title: expiryLabel(c, trans) }))
    );
    expect(choices('defaultProtection').oneOf.map(c => c.title)).toEqual([
      `${trans.__('None')} (anyone with the address)`,
      protectionLabel('password', trans),
      protectionLabel('secret-link', trans)
    ]);
  });
});
