import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { GpuInventory, GpuUsage } from '@hotstepper/api';
import { parseConfig } from '../src/config';
import { createAdapters } from '../src/platform';
import {
  NvidiaSmiReader,
  detectNvidiaSmi,
  migProfile,
  parseBytes,
  parseFraction,
  parseNvidiaSmi,
  smiInventory,
  toUsage
} from '../src/platform/resources/nvidia';
import { fixture } from './helpers';

const MiB = 1024 ** 2;
const xml = (name: string) => readFileSync(fixture(`nvidia-smi/${name}.xml`), 'utf8');

describe('parseNvidiaSmi', () => {
  it('reads one busy A40', () => {
    expect(parseNvidiaSmi(xml('a40-busy'))).toEqual([
      {
        index: 0,
        uuid: 'GPU-3a1f6c2e-8d4b-4f7a-9c1e-5b2d7e9f0a11',
        model: 'NVIDIA A40',
        utilization: 0.87,
        memoryUsed: 30112 * MiB,
        memoryTotal: 46068 * MiB,
        busy: true
      }
    ]);
  });

  it('reads a two-GPU box in nvidia-smi order; a GPU with only a desktop on it is not busy', () => {
    const gpus = parseNvidiaSmi(xml('two-gpus'));
    expect(gpus.map(g => [g.index, g.uuid, g.model, g.utilization, g.busy])).toEqual([
      [0, 'GPU-9e0d1c55-2f1a-4b63-8e2d-1a7c3b5d6f01', 'NVIDIA RTX A4000', 0.03, false],
      [1, 'GPU-5b7a2e90-c4d3-4e1f-a6b8-3d9c0e2f4a72', 'NVIDIA RTX A4000', 1, true]
    ]);
    expect(gpus[1].memoryUsed).toBe(11264 * MiB);
  });

  it('lists the MIG instances of an A100 instead of the GPU, by profile, with their parent', () => {
    const parent = 'GPU-d2c4e6a8-1b3d-4f5a-8c7e-9f0a1b2c3d4e';
    expect(parseNvidiaSmi(xml('a100-mig'))).toEqual([
      {
        index: 0,
        uuid: `MIG-${parent}/3/0`,
        model: 'mig-2g.20gb',
        parent,
        utilization: null,
        memoryUsed: 6144 * MiB,
        memoryTotal: 19968 * MiB,
        busy: true
      },
      {
        index: 1,
        uuid: `MIG-${parent}/9/0`,
        model: 'mig-1g.10gb',
        parent,
        utilization: null,
        memoryUsed: 2210 * MiB,
        memoryTotal: 9728 * MiB,
        busy: true
      },
      {
        index: 2,
        uuid: `MIG-${parent}/10/0`,
        model: 'mig-1g.10gb',
        parent,
        utilization: null,
        memoryUsed: 13 * MiB,
        memoryTotal: 9728 * MiB,
        busy: false
      }
    ]);
  });

  it('reads N/A and [Insufficient Permissions] as unknown: null utilisation, no memory', () => {
    expect(parseNvidiaSmi(xml('na-values'))).toEqual([
      {
        index: 0,
        uuid: 'GPU-7c1b9e42-6a0d-4d58-b3f2-0e8a4c6d2b19',
        model: 'NVIDIA GB10',
        utilization: null,
        memoryUsed: 0,
        memoryTotal: 0,
        busy: false
      }
    ]);
  });

  it('gives every fixture as valid GpuUsage entries', () => {
    for (const name of ['a40-busy', 'two-gpus', 'a100-mig', 'na-values']) {
      for (const usage of toUsage(parseNvidiaSmi(xml(name)))) {
        expect([...Value.Errors(GpuUsage, usage)]).toEqual([]);
        expect(usage).not.toHaveProperty('busy');
      }
    }
  });

  const migXml = (devices: string) =>
    `<?xml version="1.0" ?><nvidia_smi_log><gpu id="00000000:07:00.0">
      <product_name>NVIDIA H100 80GB HBM3</product_name><product_architecture>Hopper</product_architecture>
      <mig_mode><current_mig>Enabled</current_mig><pending_mig>Enabled</pending_mig></mig_mode>
      <mig_devices>${devices}</mig_devices><uuid>GPU-h100</uuid>
      <fb_memory_usage><total>81559 MiB</total><used>0 MiB</used></fb_memory_usage>
      <processes></processes></gpu></nvidia_smi_log>`;

  it('uses the profile name and MIG UUID where the XML carries them', () => {
    const [device] = parseNvidiaSmi(
      migXml(`<mig_device><index>0</index><gpu_instance_id>2</gpu_instance_id>
        <compute_instance_id>0</compute_instance_id><uuid>MIG-8f1c0e6a-0b5d-5e2f-9a3c-7d4b6e8f0a1c</uuid>
        <profile_name>MIG 3g.40gb</profile_name>
        <fb_memory_usage><total>40448 MiB</total><used>298 MiB</used></fb_memory_usage></mig_device>`)
    );
    expect(device).toMatchObject({
      uuid: 'MIG-8f1c0e6a-0b5d-5e2f-9a3c-7d4b6e8f0a1c',
      model: 'mig-3g.40gb',
      parent: 'GPU-h100'
    });
  });

  it('lists nothing for a MIG-enabled GPU without instances: there is nothing to run on', () => {
    expect(parseNvidiaSmi(migXml('None'))).toEqual([]);
  });

  it('refuses output that is not nvidia-smi -q -x', () => {
    expect(() => parseNvidiaSmi('No devices were found')).toThrow(/nvidia_smi_log/);
  });
});

describe('migProfile', () => {
  const a100 = { parentMemoryTotal: 81920 * MiB, parentProduct: 'NVIDIA A100-SXM4-80GB' };
  const ampere = { ...a100, architecture: 'Ampere' };
  const shape = (mib: number, sms?: number) => ({
    ...ampere,
    memoryTotal: mib * MiB,
    multiprocessors: sms
  });

  it('names every A100 80GB profile from memory and multiprocessors', () => {
    expect(migProfile(shape(9728, 14))).toBe('mig-1g.10gb');
    expect(migProfile(shape(19968, 14))).toBe('mig-1g.20gb');
    expect(migProfile(shape(19968, 28))).toBe('mig-2g.20gb');
    expect(migProfile(shape(40192, 42))).toBe('mig-3g.40gb');
    expect(migProfile(shape(40192, 56))).toBe('mig-4g.40gb');
    expect(migProfile(shape(80896, 98))).toBe('mig-7g.80gb');
  });

  it('names A100 40GB and H100 profiles, whose slices differ', () => {
    const a100small = {
      parentMemoryTotal: 40960 * MiB,
      parentProduct: 'NVIDIA A100-PCIE-40GB',
      architecture: 'Ampere'
    };
    expect(migProfile({ ...a100small, memoryTotal: 4864 * MiB, multiprocessors: 14 })).toBe(
      'mig-1g.5gb'
    );
    expect(migProfile({ ...a100small, memoryTotal: 20096 * MiB, multiprocessors: 42 })).toBe(
      'mig-3g.20gb'
    );
    const h100 = {
      parentMemoryTotal: 81559 * MiB,
      parentProduct: 'NVIDIA H100 80GB HBM3',
      architecture: 'Hopper'
    };
    expect(migProfile({ ...h100, memoryTotal: 9984 * MiB, multiprocessors: 16 })).toBe(
      'mig-1g.10gb'
    );
    expect(migProfile({ ...h100, memoryTotal: 40448 * MiB, multiprocessors: 60 })).toBe(
      'mig-3g.40gb'
    );
    expect(migProfile({ ...h100, memoryTotal: 40448 * MiB, multiprocessors: 64 })).toBe(
      'mig-4g.40gb'
    );
    expect(migProfile({ ...h100, memoryTotal: 80896 * MiB, multiprocessors: 132 })).toBe(
      'mig-7g.80gb'
    );
    // No size in the product name: the nominal size comes from the memory (95830 MiB ≈ 94 GB).
    const nvl = {
      parentMemoryTotal: 95830 * MiB,
      parentProduct: 'NVIDIA H100 NVL',
      architecture: 'Hopper'
    };
    expect(migProfile({ ...nvl, memoryTotal: 11264 * MiB, multiprocessors: 16 })).toBe(
      'mig-1g.12gb'
    );
    expect(migProfile({ ...nvl, memoryTotal: 46848 * MiB, multiprocessors: 60 })).toBe(
      'mig-3g.47gb'
    );
  });

  it('falls back to the memory for the compute slices when the architecture is unknown', () => {
    const unknown = (mib: number) => ({ ...a100, memoryTotal: mib * MiB });
    expect(migProfile(unknown(9728))).toBe('mig-1g.10gb');
    expect(migProfile(unknown(19968))).toBe('mig-2g.20gb');
    expect(migProfile(unknown(40192))).toBe('mig-3g.40gb');
    expect(migProfile(unknown(80896))).toBe('mig-7g.80gb');
  });
});

describe('value parsing', () => {
  it('reads sizes with their unit and refuses the rest', () => {
    expect(parseBytes('1024 MiB')).toBe(1024 * MiB);
    expect(parseBytes('2 GiB')).toBe(2048 * MiB);
    for (const v of ['N/A', '[N/A]', '[Not Supported]', '', undefined, '12']) {
      expect(parseBytes(v)).toBeUndefined();
    }
  });

  it('reads percentages as fractions and the rest as null', () => {
    expect(parseFraction('35 %')).toBe(0.35);
    expect(parseFraction('0 %')).toBe(0);
    expect(parseFraction('100 %')).toBe(1);
    for (const v of ['N/A', '[Insufficient Permissions]', undefined]) {
      expect(parseFraction(v)).toBeNull();
    }
  });
});

describe('smiInventory', () => {
  it('counts free and total per model and MIG profile: full GPUs first, profiles by size', () => {
    const devices = [...parseNvidiaSmi(xml('a100-mig')), ...parseNvidiaSmi(xml('two-gpus'))];
    expect(smiInventory(devices)).toEqual([
      { model: 'NVIDIA RTX A4000', free: 1, total: 2 },
      { model: 'mig-1g.10gb', free: 1, total: 2 },
      { model: 'mig-2g.20gb', free: 0, total: 1 }
    ]);
  });
});

/** Stand-ins for nvidia-smi: scripts the reader runs through execFile, as it runs the real one. */
describe('NvidiaSmiReader running a command', () => {
  let dir: string;
  const script = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const printing = (name: string) =>
    script(`smi-${name}`, `exec cat '${fixture(`nvidia-smi/${name}.xml`)}'`);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hotstepper-smi-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the GPUs the command prints, passing it -q -x', async () => {
    const args = join(dir, 'args');
    const smi = script(
      'smi-args',
      `echo "$@" > '${args}'; exec cat '${fixture('nvidia-smi/a100-mig.xml')}'`
    );
    const reader = new NvidiaSmiReader(smi);
    const gpus = await reader.read();
    expect(readFileSync(args, 'utf8').trim()).toBe('-q -x');
    expect(gpus.map(g => g.model)).toEqual(['mig-2g.20gb', 'mig-1g.10gb', 'mig-1g.10gb']);
    expect(gpus[0]).not.toHaveProperty('busy');
    expect(reader.lastError).toBeUndefined();
  });

  it('gives the inventory of free and busy devices', async () => {
    const inventory = await new NvidiaSmiReader(printing('two-gpus')).inventory();
    expect([...Value.Errors(GpuInventory, inventory)].map(e => e.path)).toEqual([]);
    expect(inventory).toMatchObject({
      source: 'nvidia-smi',
      models: [{ model: 'NVIDIA RTX A4000', free: 1, total: 2 }]
    });
    expect(inventory.reason).toBeUndefined();
  });

  it('reads a failing nvidia-smi as no GPUs, tells once per distinct failure, and says why in the inventory', async () => {
    const told: string[] = [];
    const smi = script(
      'smi-broken',
      'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver."; exit 9'
    );
    const reader = new NvidiaSmiReader(smi, { onError: e => told.push(e.message) });
    expect(await reader.read()).toEqual([]);
    expect(await reader.read()).toEqual([]);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/couldn't communicate with the NVIDIA driver/);
    const inventory = await reader.inventory();
    expect(inventory).toMatchObject({ source: 'nvidia-smi', models: [] });
    expect(inventory.reason).toMatch(/couldn't communicate with the NVIDIA driver/);
  });

  it('gives up on a hung nvidia-smi after its timeout', async () => {
    const reader = new NvidiaSmiReader(script('smi-hung', 'exec sleep 30'), {
      timeoutMs: 200,
      onError: () => undefined
    });
    expect(await reader.read()).toEqual([]);
    expect(reader.lastError?.message).toMatch(/smi-hung -q -x failed/);
  });
});

describe('detectNvidiaSmi', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hotstepper-path-'));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'empty'));
    mkdirSync(join(dir, 'dironly', 'nvidia-smi'), { recursive: true });
    writeFileSync(join(dir, 'bin', 'nvidia-smi'), '#!/bin/sh\n');
    chmodSync(join(dir, 'bin', 'nvidia-smi'), 0o755);
    writeFileSync(join(dir, 'not-executable'), '');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds nvidia-smi on PATH', async () => {
    const PATH = [join(dir, 'empty'), join(dir, 'dironly'), join(dir, 'bin')].join(':');
    expect(await detectNvidiaSmi({ PATH })).toBe(join(dir, 'bin', 'nvidia-smi'));
  });

  it('is undefined without one (a directory of that name is not one)', async () => {
    expect(
      await detectNvidiaSmi({ PATH: `${join(dir, 'empty')}:${join(dir, 'dironly')}` })
    ).toBeUndefined();
    expect(await detectNvidiaSmi({})).toBeUndefined();
  });

  it('obeys HOTSTEPPER_NVIDIA_SMI, when it is executable', async () => {
    const script = join(dir, 'bin', 'nvidia-smi');
    expect(await detectNvidiaSmi({ HOTSTEPPER_NVIDIA_SMI: script, PATH: '' })).toBe(script);
    expect(
      await detectNvidiaSmi({ HOTSTEPPER_NVIDIA_SMI: join(dir, 'not-executable') })
    ).toBeUndefined();
  });
});

describe('createAdapters and the GPU', () => {
  const config = parseConfig({ platform: 'local', usage: { source: 'proc' } });
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hotstepper-gpu-platform-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has no GPU reader and an empty inventory with a reason where there is no nvidia-smi', async () => {
    const { platform } = await createAdapters(config, { PATH: join(dir) });
    expect(platform.gpus).toBeUndefined();
    const inventory = await platform.gpuInventory();
    expect(inventory).toMatchObject({
      source: 'none',
      models: [],
      reason: 'No NVIDIA GPU on this machine'
    });
    expect([...Value.Errors(GpuInventory, inventory)]).toEqual([]);
  });

  it('reads the GPUs and counts the free ones through the nvidia-smi it finds', async () => {
    const smi = join(dir, 'nvidia-smi');
    writeFileSync(smi, `#!/bin/sh\nexec cat '${fixture('nvidia-smi/a40-busy.xml')}'\n`);
    chmodSync(smi, 0o755);
    for (const env of [{ PATH: dir }, { HOTSTEPPER_NVIDIA_SMI: smi }]) {
      const { platform, jobs } = await createAdapters(config, env);
      expect((await platform.gpus!.read()).map(g => [g.model, g.utilization])).toEqual([
        ['NVIDIA A40', 0.87]
      ]);
      expect((await platform.gpuInventory()).models).toEqual([
        { model: 'NVIDIA A40', free: 0, total: 1 }
      ]);
      // The same nvidia-smi, found once, is the local runner's.
      expect(await jobs.runner.gpuModels()).toEqual(['NVIDIA A40']);
    }
    // Inside a pod, nvidia-smi gives the notebook's own GPUs too.
    const inPod = await createAdapters(
      parseConfig({ platform: 'kubernetes', usage: { source: 'proc' } }),
      { HOTSTEPPER_NVIDIA_SMI: smi }
    );
    expect((await inPod.platform.gpus!.read()).map(g => g.model)).toEqual(['NVIDIA A40']);
    await inPod.jobs.runner.close();
  });
});
