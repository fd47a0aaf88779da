import {
  formatBytes,
  formatCores,
  formatDuration,
  formatMoney,
  formatPercent
} from '../src/format';

describe('formatters', () => {
  it('writes bytes in binary units as limits are set', () => {
    expect(formatBytes(0, 'en')).toBe('0 B');
    expect(formatBytes(1536, 'en')).toBe('1.5 KiB');
    expect(formatBytes(4 * 1024 ** 3, 'en')).toBe('4 GiB');
    expect(formatBytes(150 * 1024 ** 2, 'en')).toBe('150 MiB');
    expect(formatBytes(NaN)).toBe('–');
    // Rounded as a person reads them: one decimal at most.
    expect(formatBytes(23.541 * 1024 ** 3, 'en')).toBe('23.5 GiB');
    expect(formatBytes(1.234 * 1024 ** 3, 'en')).toBe('1.2 GiB');
    expect(formatBytes(0.25 * 1024 ** 3, 'en', 2)).toBe('256 MiB');
  });

  it('writes fractions as whole percentages', () => {
    expect(formatPercent(0.734, 'en')).toBe('73%');
    expect(formatPercent(2, 'en')).toBe('200%');
  });

  it('keeps the two largest units of a duration', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(59)).toBe('59 s');
    expect(formatDuration(93784)).toBe('1 d 2 h');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(-5)).toBe('0 s');
  });

  it('writes money in CZK by default', () => {
    expect(formatMoney(12.5, undefined, 'cs-CZ')).toMatch(/12,50\s*Kč/);
    expect(formatMoney(3, 'EUR', 'en')).toBe('€3.00');
  });

  it('writes CPU cores', () => {
    expect(formatCores(1.254, 'en')).toBe('1.25 CPU');
  });
});
