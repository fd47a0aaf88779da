/** Formatters shared by every panel, so figures read the same everywhere. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/**
 * 1536 → "1.5 KiB"; binary units, as memory limits are set. At most one decimal ("23.5 GiB",
 * none from 100 up) unless `digits` asks for more (axis ticks that must read apart).
 */
export function formatBytes(bytes: number, locale?: string, digits?: number): string {
  if (!Number.isFinite(bytes)) {
    return '–';
  }
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const decimals = digits ?? (unit === 0 || value >= 100 ? 0 : 1);
  const text = new Intl.NumberFormat(locale, { maximumFractionDigits: decimals }).format(value);
  return `${bytes < 0 ? '-' : ''}${text} ${UNITS[unit]}`;
}

/** 0.734 → "73 %" (locale-aware spacing). */
export function formatPercent(fraction: number, locale?: string): string {
  if (!Number.isFinite(fraction)) {
    return '–';
  }
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(
    fraction
  );
}

/** 93784 → "1 d 2 h"; two largest units, for countdowns and job durations. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) {
    return '–';
  }
  const s = Math.max(0, Math.round(seconds));
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's']
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) {
    return '0 s';
  }
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n} ${u}`)
    .join(' ');
}

/** 12.5 → "12.50 Kč" for CZK; the platform's currency by default. */
export function formatMoney(amount: number, currency = 'CZK', locale?: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount);
}

/** 1.25 → "1.25 CPU"; CPU cores as limits are written (two decimals below 10, one above). */
export function formatCores(cores: number, locale?: string): string {
  const digits = Math.abs(cores) >= 10 ? 1 : 2;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(cores)} CPU`;
}
