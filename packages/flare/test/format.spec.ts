import { nullTranslator } from '@jupyterlab/translation';
import { formatAgo, formatExpiry, formatTraffic, shortenCommand } from '../src/format';
import { NOW } from './fixtures';

const trans = nullTranslator.load('hotstepper');
const before = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();
const after = (seconds: number) => new Date(NOW + seconds * 1000).toISOString();

describe('flare formatting', () => {
  it('says how much traffic an exposure had and when last', () => {
    expect(formatTraffic({ requests: 0 }, trans, NOW)).toBe('No requests yet');
    expect(formatTraffic({ requests: 1, lastRequestAt: before(2) }, trans, NOW)).toBe(
      '1 request, last just now'
    );
    expect(formatTraffic({ requests: 3, lastRequestAt: before(125) }, trans, NOW)).toBe(
      '3 requests, last 2 min ago'
    );
    expect(formatAgo(before(3 * 3600 + 60), trans, NOW)).toBe('3 h ago');
  });

  it('counts down to the expiry', () => {
    expect(formatExpiry(undefined, trans, NOW)).toBe('Never expires');
    expect(formatExpiry(after(7 * 3600 + 59 * 60), trans, NOW)).toBe('Expires in 7 h 59 min');
    expect(formatExpiry(before(1), trans, NOW)).toBe('Expiring…');
  });

  it('shortens a command line to the program’s name and a length', () => {
    expect(shortenCommand('/work/.venv/bin/python3 -m http.server 8000')).toBe(
      'python3 -m http.server 8000'
    );
    const long = shortenCommand(`python ${'x'.repeat(100)}`, 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith('…')).toBe(true);
  });
});
