import { csvFileName, downloadCostCsv } from '../src/csv';
import { settingsRouting } from './helpers';

/** jsdom's Blob has no text(). */
function readText(blob: Blob): Promise<string> {
  return new Promise(resolve => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.readAsText(blob);
  });
}

describe('the cost CSV export', () => {
  it('fetches the CSV with the server connection and has the browser save it by date', async () => {
    const seen: Request[] = [];
    const serverSettings = settingsRouting(
      { 'api/v1/usage/cost.csv': { status: 200, body: null, text: 'day,cost\n2026-11-25,1.50\n' } },
      seen
    );
    const saved: string[] = [];
    const blobs: Blob[] = [];
    Object.assign(URL, {
      createObjectURL: (blob: Blob) => (blobs.push(blob), 'blob:http://localhost/csv'),
      revokeObjectURL: () => undefined
    });
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement
    ) {
      saved.push(this.download);
    });
    const name = await downloadCostCsv(serverSettings);
    expect(name).toBe(csvFileName());
    expect(name).toMatch(/^hotstepper-usage-cost-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(saved).toEqual([name]);
    expect(blobs[0].type).toBe('text/csv;charset=utf-8');
    expect(await readText(blobs[0])).toBe('day,cost\n2026-11-25,1.50\n');
    expect(seen[0].headers.get('Accept')).toBe('text/csv');
    click.mockRestore();
  });
});
