import { chdirCode, storageFolder } from '../src/cwd';
import { storage } from './fixtures';

const contents = {
  driveName: (path: string) => (path.includes(':') ? path.split(':')[0] : ''),
  localPath: (path: string) => path.split(':').slice(1).join(':').replace(/^\/+/, '')
};
const model = { storage: (name: string) => (name === 'scratch' ? storage() : undefined) };

describe('the folder a storage notebook’s kernel runs in', () => {
  it('is the notebook’s folder on the machine', () => {
    expect(storageFolder('scratch:work/deep/a.ipynb', contents, model)).toBe(
      '/mnt/scratch/work/deep'
    );
    expect(storageFolder('scratch:a.ipynb', contents, model)).toBe('/mnt/scratch');
  });

  it('is left alone for Home and for drives that are not storages', () => {
    expect(storageFolder('work/a.ipynb', contents, model)).toBeUndefined();
    expect(storageFolder('RTC:work/a.ipynb', contents, model)).toBeUndefined();
  });

  it('is changed to with a Python string that survives quotes and backslashes', () => {
    expect(chdirCode('/mnt/it\'s "x"\\y')).toBe(`__import__('os').chdir("/mnt/it's \\"x\\"\\\\y")`);
  });
});
