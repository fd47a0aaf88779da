import { type Storage, StorageList } from '@hotstepper/api';
import { schemaErrors } from '@hotstepper/core/lib/testing';

const GiB = 1024 ** 3;

/** A storage as the backend lists it; `usedFraction` sets used and free against 100 GiB. */
export function storage(over: Partial<Storage> & { usedFraction?: number } = {}): Storage {
  const { usedFraction = 0.25, ...rest } = over;
  return {
    name: 'scratch',
    label: 'scratch',
    kind: 'project',
    description: '',
    path: '/mnt/scratch',
    source: 'config',
    fsType: 'tmpfs',
    available: true,
    capacity: 100 * GiB,
    used: usedFraction * 100 * GiB,
    free: (1 - usedFraction) * 100 * GiB,
    mode: 'rw',
    ...rest
  };
}

export function storageList(storages: Storage[], over: Partial<StorageList> = {}): StorageList {
  const list: StorageList = {
    user: 'alice',
    groups: ['course-ml', 'staff'],
    groupsSource: 'hub',
    storages,
    ...over
  };
  const errors = schemaErrors(StorageList, list);
  if (errors.length) {
    throw new Error(`fixture is not a StorageList: ${errors.join('; ')}`);
  }
  return list;
}

export const home = () =>
  storage({ name: 'home', label: 'Home', kind: 'home', source: 'root', path: '/home/jovyan' });
