import { type App, AppList } from '@hotstepper/api';
import { schemaErrors } from '@hotstepper/core/lib/testing';

export function app(over: Partial<App> = {}): App {
  const value: App = {
    name: 'tensorboard',
    title: 'TensorBoard',
    source: 'proxy',
    installed: true,
    program: '/venv/bin/tensorboard',
    images: [],
    path: 'tensorboard/',
    timeout: 60,
    state: 'stopped',
    pids: [],
    output: [],
    ...over
  };
  return value;
}

/** The list as GET /apps answers it, checked against the wire contract. */
export function appList(apps: App[]): App[] {
  const errors = schemaErrors(AppList, apps);
  if (errors.length) {
    throw new Error(`fixture does not match AppList: ${errors.join('; ')}`);
  }
  return apps;
}
