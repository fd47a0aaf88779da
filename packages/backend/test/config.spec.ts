import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, dataDir, loadConfig, parseConfig } from '../src/config';
import { SSH_KEY_TYPES, SSH_SAFE_OPTIONS } from '../src/features/apps/ssh/config';

/** The ConfigError message parseConfig throws for `raw`. */
function errorFor(raw: unknown, origin?: string): string {
  try {
    parseConfig(raw, origin);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(raw)}`);
}

describe('parseConfig', () => {
  it('fills in every default from {}', () => {
    expect(parseConfig({})).toEqual({
      platform: 'auto',
      logLevel: 'info',
      activity: { enabled: true, retentionDays: 30, streamLines: true, kernelPollSeconds: 3 },
      usage: {
        sampleIntervalSeconds: 5,
        source: 'auto',
        rawRetentionHours: 48,
        historyDays: 100,
        serverLimit: null
      },
      prices: {
        currency: 'CZK',
        basis: 'reserved',
        cpuHour: 0.5,
        memoryGiBHour: 0.1,
        gpuHour: { default: 20 }
      },
      idle: {
        enabled: true,
        checkHour: 3,
        checkMinute: 0,
        segmentMinutes: 5,
        cpuThreshold: 0.1,
        cpuMaxIdleDays: 4,
        gpuThreshold: 0.005,
        gpuMaxIdleDays: 2,
        warnDaysBefore: 1,
        enforce: 'off'
      },
      jobs: {
        runner: 'auto',
        defaults: { cpu: 1, memoryGiB: 2, timeLimitMinutes: 1440 },
        maxTimeLimitMinutes: 10080,
        quota: {},
        presets: [],
        retentionDays: 90,
        slurm: { gres: {} },
        kubernetes: {
          ttlSecondsAfterFinished: 86400,
          gpuModelLabel: 'nvidia.com/gpu.product',
          gpuResource: 'nvidia.com/gpu'
        }
      },
      flare: {
        enabled: true,
        listenHost: '127.0.0.1',
        listenPort: 8787,
        domain: 'flare.localhost',
        passwordMinLength: 8,
        maxExposures: 10,
        kubernetes: { annotations: {} }
      },
      storage: {
        mounts: [],
        discover: {
          enabled: true,
          types: [
            'nfs',
            'nfs4',
            'cifs',
            'smb3',
            'fuse.sshfs',
            'ceph',
            'fuse.ceph',
            'lustre',
            'gpfs',
            'beegfs',
            'fuse.rclone',
            'fuse.s3fs'
          ]
        },
        groupsCacheSeconds: 300,
        nearlyFullPercent: 90,
        fullCheckSeconds: 600
      },
      apps: {
        images: {},
        stopGraceSeconds: 5,
        ssh: {
          port: 2222,
          ipv6Only: false,
          authorizedKeysFile: '.ssh/authorized_keys',
          keyTypes: SSH_KEY_TYPES,
          allowedOptions: SSH_SAFE_OPTIONS,
          hostKeyDir: '/etc/ssh',
          hostKeysInHome: false,
          keptHostKeyDir: '.ssh/host_keys',
          tunnel: true
        }
      },
      course: {
        instructorGroups: ['formgrade-{course}', '{course}-instructors'],
        studentGroups: ['nbgrader-{course}', '{course}-students'],
        courses: [],
        directory: '{course}',
        python: 'python3',
        autogradeConcurrency: 2
      }
    });
  });

  it('fills in a storage mount’s defaults and names a bad one', () => {
    const config = parseConfig({
      storage: { mounts: [{ name: 'meta', path: '/home/meta/{user}', kind: 'metacentrum' }] }
    });
    expect(config.storage.mounts).toEqual([
      { name: 'meta', path: '/home/meta/{user}', kind: 'metacentrum', description: '', access: [] }
    ]);
    expect(() =>
      parseConfig({
        storage: {
          mounts: [
            {
              name: 'Meta',
              path: 'relative',
              kind: 'nas',
              access: [{ group: 'g', mode: 'write' }]
            }
          ]
        }
      })
    ).toThrow(
      /"storage\.mounts\.0\.name" is "Meta".*"storage\.mounts\.0\.path" is "relative".*"storage\.mounts\.0\.kind" is "nas"; it must be one of "home", "metacentrum".*"storage\.mounts\.0\.access\.0\.mode" is "write"; it must be one of "ro", "rw"/
    );
  });

  it('keeps given values and fills the rest of a partial section', () => {
    expect(parseConfig({ platform: 'kubernetes', usage: { source: 'proc' } })).toMatchObject({
      platform: 'kubernetes',
      logLevel: 'info',
      usage: { sampleIntervalSeconds: 5, source: 'proc', rawRetentionHours: 48, historyDays: 100 },
      prices: {
        currency: 'CZK',
        basis: 'reserved',
        cpuHour: 0.5,
        memoryGiBHour: 0.1,
        gpuHour: { default: 20 }
      },
      idle: {
        enabled: true,
        checkHour: 3,
        checkMinute: 0,
        segmentMinutes: 5,
        cpuThreshold: 0.1,
        cpuMaxIdleDays: 4,
        gpuThreshold: 0.005,
        gpuMaxIdleDays: 2,
        warnDaysBefore: 1,
        enforce: 'off'
      }
    });
  });

  it('names the field inside a list of presets', () => {
    expect(
      errorFor({ jobs: { presets: [{ name: 'small', label: 'Small', cpu: 0, memoryGiB: 1 }] } })
    ).toMatch(/"jobs\.presets\.0\.cpu" is 0; it must be a number/);
  });

  it('does not modify the object it is given', () => {
    const raw = { usage: {} };
    parseConfig(raw);
    expect(raw).toEqual({ usage: {} });
  });

  it('names the field and lists the allowed values for a bad platform', () => {
    const message = errorFor({ platform: 'k8s' });
    expect(message).toContain('platform');
    expect(message).toContain('"k8s"');
    expect(message).toContain('"auto", "local", "kubernetes"');
  });

  it('names the field and the allowed levels for a bad logLevel', () => {
    const message = errorFor({ logLevel: 'verbose' });
    expect(message).toContain('logLevel');
    expect(message).toContain('"fatal", "error", "warn", "info", "debug", "trace", "silent"');
  });

  it.each([0, 301, -5])('names usage.sampleIntervalSeconds and its range for %p', value => {
    const message = errorFor({ usage: { sampleIntervalSeconds: value } });
    expect(message).toContain('usage.sampleIntervalSeconds');
    expect(message).toContain('from 1 to 300');
  });

  it('names usage.rawRetentionHours and its range', () => {
    const message = errorFor({ usage: { rawRetentionHours: 1000 } });
    expect(message).toContain('usage.rawRetentionHours');
    expect(message).toContain('from 1 to 720');
  });

  it('says a number written as a string must be a number', () => {
    const message = errorFor({ usage: { sampleIntervalSeconds: '5' } });
    expect(message).toContain('usage.sampleIntervalSeconds');
    expect(message).toContain('"5"');
    expect(message).toContain('a number');
  });

  it('names an unknown field in a section and lists the fields it allows', () => {
    const message = errorFor({ usage: { foo: 1 } });
    expect(message).toContain('usage.foo');
    expect(message).toContain('sampleIntervalSeconds, source, rawRetentionHours');
  });

  it('names an unknown top-level field and lists the top-level fields', () => {
    const message = errorFor({ platfrom: 'local' });
    expect(message).toContain('platfrom');
    expect(message).toContain('platform, dataDir, logLevel, usage');
  });

  it('says a section must be an object and what it holds', () => {
    const message = errorFor({ usage: 5 });
    expect(message).toContain('usage');
    expect(message).toContain('object');
    expect(message).toContain('sampleIntervalSeconds');
  });

  it('says an empty dataDir must not be empty', () => {
    const message = errorFor({ dataDir: '' });
    expect(message).toContain('dataDir');
    expect(message).toContain('a non-empty string');
  });

  it.each([[[]], ['platform: local'], [null], [42]])(
    'refuses %p: the configuration must be a JSON object',
    raw => {
      expect(errorFor(raw)).toContain('must be a JSON object');
    }
  );

  it('names every error at once, each with its field, value and what it allows', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig(
        {
          platform: 'k8s',
          usage: { sampleIntervalSeconds: 0, source: 'gpu' },
          jobs: { presets: [{ name: 'Big', label: 'big', cpu: 1, memoryGiB: 1 }] },
          flare: { listenPort: 70000 }
        },
        'hotstepper.json'
      );
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.errors).toEqual([
      '"platform" is "k8s"; it must be one of "auto", "local", "kubernetes"',
      '"usage.sampleIntervalSeconds" is 0; it must be a number from 1 to 300',
      '"usage.source" is "gpu"; it must be one of "auto", "cgroup", "proc"',
      '"jobs.presets.0.name" is "Big"; it must be a string matching ^[a-z0-9][a-z0-9-]*$',
      '"flare.listenPort" is 70000; it must be a whole number from 0 to 65535'
    ]);
    expect(error!.message).toBe(`hotstepper.json: ${error!.errors.join('; ')}`);
  });

  it('starts the message with where the configuration came from', () => {
    expect(errorFor({ platform: 'k8s' }, '/etc/jupyter/hotstepper.json')).toMatch(
      /^\/etc\/jupyter\/hotstepper\.json: /
    );
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hotstepper-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the defaults when no file is named', () => {
    expect(loadConfig(undefined)).toEqual(parseConfig({}));
  });

  it('reads a valid file', () => {
    const file = join(dir, 'hotstepper.json');
    writeFileSync(
      file,
      JSON.stringify({ platform: 'local', usage: { sampleIntervalSeconds: 10 } })
    );
    const config = loadConfig(file);
    expect(config.platform).toBe('local');
    expect(config.usage.sampleIntervalSeconds).toBe(10);
  });

  it('names a missing file and why it cannot be read', () => {
    const file = join(dir, 'missing.json');
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(`${file}: cannot be read (ENOENT)`);
  });

  it('names a file that is not valid JSON', () => {
    const file = join(dir, 'hotstepper.json');
    writeFileSync(file, '{ "platform": "local", }');
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(`${file}: is not valid JSON`);
  });

  it('names the file alone as the error when it is not JSON', () => {
    const file = join(dir, 'hotstepper.json');
    writeFileSync(file, '{');
    expect(() => loadConfig(file)).toThrow(
      expect.objectContaining({ errors: [expect.stringMatching(/^is not valid JSON/)] })
    );
  });

  it('names the file and the field for a bad value in a file', () => {
    const file = join(dir, 'hotstepper.json');
    writeFileSync(file, JSON.stringify({ usage: { source: 'gpu' } }));
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(
      /hotstepper\.json: .*usage\.source.*"auto", "cgroup", "proc"/
    );
  });
});

describe('dataDir', () => {
  const config = parseConfig({});

  it('uses the configured directory first', () => {
    expect(dataDir(parseConfig({ dataDir: '/srv/hs' }), { XDG_DATA_HOME: '/x' })).toBe('/srv/hs');
  });

  it('uses $XDG_DATA_HOME/hotstepper', () => {
    expect(dataDir(config, { XDG_DATA_HOME: '/home/jovyan/.data' })).toBe(
      '/home/jovyan/.data/hotstepper'
    );
  });

  it('uses ~/.local/share/hotstepper when XDG_DATA_HOME is unset or empty', () => {
    const expected = join(homedir(), '.local', 'share', 'hotstepper');
    expect(dataDir(config, {})).toBe(expected);
    expect(dataDir(config, { XDG_DATA_HOME: '' })).toBe(expected);
  });
});
