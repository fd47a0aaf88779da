/**
 * The cost CSV export.
 *
 * Fetched through ServerConnection, then handed to the browser as a Blob:
 * a plain `<a href=".../cost.csv">` would carry no Authorization header, so
 * it works only where a login cookie happens to exist, and a link with
 * `?token=` would put the user's token in the browser history, the server
 * and proxy logs. ServerConnection sends the same credentials (token header,
 * cookies, XSRF) as every other request of JupyterLab, so the export works
 * wherever the panel itself works, under JupyterHub or a plain token.
 */
import { BackendError, backendUrl } from '@hotstepper/core';
import { ServerConnection } from '@jupyterlab/services';

export const COST_CSV_PATH = 'api/v1/usage/cost.csv';

/** The CSV text, or a BackendError with the backend's message. */
export async function fetchCostCsv(serverSettings: ServerConnection.ISettings): Promise<string> {
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      backendUrl(COST_CSV_PATH, serverSettings),
      { headers: { Accept: 'text/csv' } },
      serverSettings
    );
  } catch (err) {
    throw new BackendError(0, `The Jupyter server cannot be reached: ${(err as Error).message}`);
  }
  const body = await response.text();
  if (!response.ok) {
    let message = `The cost export failed: the backend answered HTTP ${response.status}`;
    try {
      const data = JSON.parse(body);
      if (typeof data?.message === 'string' && data.message) {
        message = data.message;
      }
    } catch {
      // not JSON: keep the status
    }
    throw new BackendError(response.status, message);
  }
  return body;
}

/** The file name the browser offers: hotstepper-usage-cost-2026-11-25.csv. */
export function csvFileName(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `hotstepper-usage-cost-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.csv`;
}

/** Fetches the CSV and has the browser save it. */
export async function downloadCostCsv(serverSettings: ServerConnection.ISettings): Promise<string> {
  const text = await fetchCostCsv(serverSettings);
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const name = csvFileName();
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoked later: some browsers start the download after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}
