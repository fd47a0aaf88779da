/**
 * Checks for Kubernetes objects the tests hold (fixtures, deploy/ manifests): kubernetes-models
 * (the API's OpenAPI schema) and what only the API server enforces on any object.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Node's own require: it loads ES modules (Node ≥ 20.19); jest's loader cannot. */
function nativeRequire(id: string): Record<string, unknown> {
  const proc = process as unknown as {
    getBuiltinModule(id: 'node:module'): typeof import('node:module');
  };
  return proc.getBuiltinModule('node:module').createRequire(__filename)(id);
}

function nodeModules(from = __dirname): string {
  const candidate = join(from, 'node_modules', 'kubernetes-models');
  return existsSync(candidate) ? join(from, 'node_modules') : nodeModules(dirname(from));
}

type Model = new (data: unknown) => { validate(): void };
/** kubernetes-models' class for an apiVersion and kind (exported for `import` only: by path). */
export function model(apiVersion: string, kind: string): Model {
  const file =
    apiVersion === 'v1' && kind === 'Status'
      ? '@kubernetes-models/apimachinery/apis/meta/v1/Status.js'
      : `kubernetes-models/${apiVersion}/${kind}.js`;
  const path = join(nodeModules(), file);
  if (!existsSync(path)) {
    throw new Error(`no kubernetes-models class for ${apiVersion} ${kind} (${file})`);
  }
  return nativeRequire(path)[kind] as Model;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  items?: Array<Partial<K8sObject>>;
}

export const isObject = (x: unknown): x is K8sObject =>
  typeof x === 'object' && x !== null && 'apiVersion' in x && 'kind' in x;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The name and label values the API server would refuse. */
export function metadataProblems(obj: K8sObject): string[] {
  const found: string[] = [];
  const name = obj.metadata?.name;
  if (name !== undefined && (name.length > 253 || !DNS_SUBDOMAIN.test(name))) {
    found.push(`metadata.name "${name}" is not a DNS-1123 subdomain`);
  }
  for (const [key, value] of Object.entries(obj.metadata?.labels ?? {})) {
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      found.push(`label ${key}="${value}" is not a label value`);
    }
  }
  return found;
}
