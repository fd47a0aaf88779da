/**
 * The cost CSV export. Fetched through ServerConnection (fetchBackend), then
 * handed to the browser as a Blob: a plain link would carry no token, and a
 * link with `?token=` would put the token in the history and the logs.
 */
import { USAGE_PATHS } from '@hotstepper/api/constants';
import { fetchBackend, saveBlob } from '@hotstepper/core';
import type { ServerConnection } from '@jupyterlab/services';

/** The CSV text, or a BackendError with the backend's message. */
export async function fetchCostCsv(serverSettings: ServerConnection.ISettings): Promise<string> {
  const response = await fetchBackend(USAGE_PATHS.costCsv, serverSettings, {
    headers: { Accept: 'text/csv' }
  });
  return response.text();
}

/** The file name the browser offers: hotstepper-usage-cost-2026-11-25.csv. */
export function csvFileName(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `hotstepper-usage-cost-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.csv`;
}

/** Fetches the CSV and has the browser save it; resolves with the file name. */
export async function downloadCostCsv(serverSettings: ServerConnection.ISettings): Promise<string> {
  const text = await fetchCostCsv(serverSettings);
  const name = csvFileName();
  saveBlob(new Blob([text], { type: 'text/csv;charset=utf-8' }), name);
  return name;
}
