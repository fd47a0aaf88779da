/**
 * The Kubernetes answers and requests the tests replay (test/fixtures/kubernetes) are written by
 * hand from the API reference, not recorded from a cluster. Each object in them is held to what
 * the objects we build are held to: kubernetes-models (the API's OpenAPI schema) and the checks
 * for what only the API server enforces.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { V1Ingress, V1Job, V1Secret, V1Service } from '@kubernetes/client-node';
import { problems } from '../src/platform/kubernetes/flare-manifests';
import { checkJobManifest } from '../src/platform/kubernetes/jobs-manifest';
import { isObject, type K8sObject, metadataProblems, model } from './kubernetes-objects';

const ROOT = join(__dirname, 'fixtures', 'kubernetes');

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory()
      ? jsonFiles(join(dir, entry.name))
      : entry.name.endsWith('.json')
        ? [join(dir, entry.name)]
        : []
  );
}

/** Every Kubernetes object a fixture holds: a whole answer, or a pair's bodies and watch events. */
function objects(file: string): Array<[string, K8sObject]> {
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const found: Array<[string, unknown]> = [
    ['', data],
    ['request.body', data.request?.body],
    ['response.body', data.response?.body],
    ...((data.response?.events ?? []) as Array<{ object?: unknown }>).map(
      (e, i) => [`response.events[${i}].object`, e.object] as [string, unknown]
    )
  ];
  const all: Array<[string, K8sObject]> = [];
  for (const [where, x] of found) {
    if (isObject(x)) {
      // The API server leaves apiVersion and kind out of a list's items; kubernetes-models
      // wants them: filled in, each item is checked on its own and as part of the list.
      const kind = x.kind.replace(/List$/, '');
      const items = x.items?.map(item => ({ apiVersion: x.apiVersion, kind, ...item }));
      all.push([where, items ? { ...x, items } : x]);
      for (const [i, item] of (items ?? []).entries()) {
        all.push([`${where}.items[${i}]`, item]);
      }
    }
  }
  return all;
}

const cases = jsonFiles(ROOT).flatMap(file =>
  objects(file).map(([where, obj]) => ({
    name: `${relative(ROOT, file)}${where ? ` ${where}` : ''}: ${obj.kind}`,
    obj
  }))
);

// The flare checks look at a Service, an Ingress and a Secret together: each object is checked
// in place of its kind in a trio the fixtures themselves hold, which is valid on its own.
const flareBody = (name: string) =>
  JSON.parse(readFileSync(join(ROOT, 'flare', `${name}.json`), 'utf8')).request.body;
const TRIO = {
  service: flareBody('create-service-report') as V1Service,
  ingress: flareBody('create-ingress-report') as V1Ingress,
  secret: flareBody('create-secret-report') as V1Secret
};

/** What only the API server would refuse. */
function ownChecks(obj: K8sObject): string[] {
  const found = metadataProblems(obj);
  if (obj.apiVersion === 'batch/v1' && obj.kind === 'Job') {
    found.push(...checkJobManifest(obj as V1Job));
  }
  const flare = { Service: 'service', Ingress: 'ingress', Secret: 'secret' } as const;
  if (obj.kind in flare) {
    found.push(...problems({ ...TRIO, [flare[obj.kind as keyof typeof flare]]: obj }));
  }
  return found;
}

describe('the hand-written Kubernetes fixtures', () => {
  it('hold the objects of every kind the tests replay', () => {
    const kinds = new Set(cases.map(c => c.obj.kind));
    for (const kind of ['Job', 'Pod', 'Service', 'Ingress', 'Secret', 'Status', 'NodeList']) {
      expect(kinds).toContain(kind);
    }
  });

  it('the flare trio the checks borrow is valid on its own', () => {
    expect(problems(TRIO)).toEqual([]);
  });

  it.each(cases)('$name passes kubernetes-models and the API server’s own checks', ({ obj }) => {
    expect(() => new (model(obj.apiVersion, obj.kind))(obj).validate()).not.toThrow();
    expect(ownChecks(obj)).toEqual([]);
  });

  it('the checks refuse a broken body (they can fail)', () => {
    const job = cases.find(c => c.obj.kind === 'Job')!.obj as V1Job;
    const broken = {
      ...job,
      spec: { ...job.spec, backoffLimit: 'two' as unknown as number }
    };
    expect(() => new (model('batch/v1', 'Job'))(broken).validate()).toThrow(/backoffLimit/);
    expect(
      ownChecks({ ...(job as K8sObject), metadata: { ...job.metadata, name: 'Not_A_Name' } })
    ).toContainEqual(expect.stringContaining('Not_A_Name'));
  });
});
