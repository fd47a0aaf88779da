import type { Server } from 'node:http';

type Resource = 'nodes' | 'pods';
interface Obj {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  [key: string]: unknown;
}

/** See watch-apiserver.js. */
export class WatchApiServer {
  constructor(options?: { token?: string });
  readonly token: string;
  rv: number;
  server: Server;
  port: number;
  forbidden: Set<Resource>;
  requests: Array<{ method?: string; path: string; query: Record<string, string>; watch: boolean }>;
  watches: Set<unknown>;
  listen(): Promise<string>;
  close(): Promise<void>;
  kubeconfig(): Record<string, unknown>;
  count(kind: 'list' | 'watch' | 'all', since?: number): number;
  put<T extends object>(resource: Resource, obj: T): T;
  remove(resource: Resource, obj: object): void;
  compact(): void;
  breakWatches(): void;
}
