import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { createPlatform } from '../src/platform';
import { KubernetesPlatform } from '../src/platform/kubernetes';
import { KubernetesCluster } from '../src/platform/kubernetes/cluster';
import { ProcTreeReader } from '../src/platform/resources';

describe('createPlatform', () => {
  it('picks kubernetes inside a pod and local elsewhere when set to auto', async () => {
    const config = parseConfig({ usage: { source: 'proc' } });
    const inPod = await createPlatform(config, {
      env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', HOSTNAME: 'jupyter-ada' }
    });
    expect(inPod.name).toBe('kubernetes');
    expect(inPod.describe().pod).toBe('jupyter-ada');
    const onLaptop = await createPlatform(config, { env: {} });
    expect(onLaptop.name).toBe('local');
  });

  it('obeys an explicit platform over the environment', async () => {
    const config = parseConfig({ platform: 'local', usage: { source: 'proc' } });
    const platform = await createPlatform(config, {
      env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' }
    });
    expect(platform.name).toBe('local');
  });

  it('samples the process tree it is told to', async () => {
    const config = parseConfig({ usage: { source: 'proc' } });
    const platform = await createPlatform(config, {
      env: { HOTSTEPPER_ROOT_PID: String(process.pid) }
    });
    const counters = await platform.resources.read();
    // This test process alone holds tens of MiB.
    expect(counters.memoryBytes).toBeGreaterThan(10 * 1024 ** 2);
  });
});

describe('KubernetesPlatform', () => {
  it("reads the namespace from the service account's file", () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-sa-'));
    try {
      writeFileSync(join(dir, 'namespace'), 'jupyterhub-ada-prod-ns\n');
      const platform = new KubernetesPlatform({
        resources: new ProcTreeReader(process.pid),
        cluster: new KubernetesCluster({
          env: { HOSTNAME: 'jupyter-ada' },
          namespaceFile: join(dir, 'namespace')
        })
      });
      expect(platform.describe()).toEqual({
        resources: 'proc',
        namespace: 'jupyterhub-ada-prod-ns',
        pod: 'jupyter-ada'
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
