import { execFile } from 'node:child_process';
import { XMLParser } from 'fast-xml-parser';
import type { GpuAvailability, GpuInventory, GpuUsage } from '@hotstepper/api';
import { findProgram } from '../programs';
import type { GpuReader } from '../types';

/** One GPU, or one MIG instance, with what the inventory needs beside its usage. */
export interface SmiDevice extends GpuUsage {
  /** A compute process runs on it (graphics-only processes, a desktop's X server, do not count). */
  busy: boolean;
}

const MIB = 1024 ** 2;
const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: MIB, GiB: 1024 ** 3, TiB: 1024 ** 4 };

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  // Only <gpu id="…"> (the PCI address) has attributes; nothing here needs it.
  ignoreAttributes: true,
  // Keep "0" and "00000000" strings as nvidia-smi wrote them; numbers are parsed below.
  parseTagValue: false,
  trimValues: true
});

/** A child element, or undefined when absent or when it holds only text ("None", "N/A"). */
function child(node: unknown, path: string): XmlNode | undefined {
  let at: unknown = node;
  for (const key of path.split('/')) {
    at = at && typeof at === 'object' ? (at as XmlNode)[key] : undefined;
  }
  return at && typeof at === 'object' && !Array.isArray(at) ? (at as XmlNode) : undefined;
}

/** The text of an element, trimmed; undefined when absent. */
function text(node: unknown, path: string): string | undefined {
  const parts = path.split('/');
  const last = parts.pop()!;
  const parent = parts.length ? child(node, parts.join('/')) : (node as XmlNode | undefined);
  const value = parent?.[last];
  return typeof value === 'string' ? value.trim() : undefined;
}

/** Repeated elements: fast-xml-parser gives one as an object, several as an array, none as "". */
function list(value: unknown): XmlNode[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items.filter((v): v is XmlNode => !!v && typeof v === 'object');
}

/** "1024 MiB" → bytes; undefined for "N/A", "[N/A]", "[Not Supported]", "[Insufficient Permissions]". */
export function parseBytes(value: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]iB|B)$/.exec(value ?? '');
  return m ? Math.round(Number(m[1]) * UNITS[m[2]]) : undefined;
}

/** "35 %" → 0.35; null where the driver does not report it. */
export function parseFraction(value: string | undefined): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(value ?? '');
  return m ? Math.min(1, Number(m[1]) / 100) : null;
}

/**
 * Streaming multiprocessors per compute slice ("1g"), by architecture. A100 and A30:
 * 14 (1g 14, 2g 28, 3g 42, 4g 56, 7g 98); H100/H200: 16 (1g 16, 2g 32, 3g 60, 4g 64,
 * 7g 132). Rounding down and capping at 7 gives the profile's slice count for both.
 */
const SMS_PER_SLICE: Record<string, number> = { Ampere: 14, Hopper: 16 };

export interface MigShape {
  memoryTotal: number;
  parentMemoryTotal: number;
  parentProduct: string;
  architecture?: string;
  multiprocessors?: number;
}

/**
 * The MIG profile in the platform's naming ("mig-1g.10gb") from what `nvidia-smi -q -x`
 * says about an instance. The XML has no profile name (`nvidia-smi -L` has), so it is
 * derived: memory as eighths of the parent's (MIG cuts memory in 8 slices; the driver
 * keeps a little back, so 1g.10gb shows 9856 of 81920 MiB) times the parent's nominal
 * size (from its product name, e.g. "A100-SXM4-80GB", else its memory); compute slices
 * from the multiprocessor count where the architecture is known, else from the memory.
 */
export function migProfile(shape: MigShape): string {
  const { memoryTotal, parentMemoryTotal, parentProduct, architecture, multiprocessors } = shape;
  const eighths =
    parentMemoryTotal > 0
      ? Math.min(8, Math.max(1, Math.round((memoryTotal / parentMemoryTotal) * 8)))
      : 1;
  const nominal = Number(/(\d+)\s*GB/i.exec(parentProduct)?.[1]) || parentMemoryTotal / 1024 ** 3;
  const gb = Math.round((eighths * nominal) / 8);
  const perSlice = architecture ? SMS_PER_SLICE[architecture] : undefined;
  const slices =
    perSlice && multiprocessors
      ? Math.min(7, Math.max(1, Math.floor(multiprocessors / perSlice)))
      : eighths >= 8
        ? 7
        : eighths === 4
          ? 3
          : eighths;
  return `mig-${slices}g.${gb}gb`;
}

/** "MIG 1g.10gb" or "1g.10gb" → "mig-1g.10gb". */
function profileName(name: string): string {
  return `mig-${name.replace(/^MIG[\s-]*/i, '').toLowerCase()}`;
}

const isCompute = (p: XmlNode) => /C/.test(text(p, 'type') ?? 'C');

/**
 * `nvidia-smi -q -x` as one entry per usable device: each GPU, or, where MIG is enabled
 * (`mig_mode/current_mig`), each MIG instance instead of its parent. A MIG-enabled GPU
 * without instances offers nothing to run on and is left out.
 */
export function parseNvidiaSmi(xml: string): SmiDevice[] {
  const doc = parser.parse(xml) as XmlNode;
  const root = child(doc, 'nvidia_smi_log');
  if (!root) {
    throw new Error('nvidia-smi -q -x printed no <nvidia_smi_log>');
  }
  const out: SmiDevice[] = [];
  list(root.gpu).forEach((gpu, position) => {
    const uuid = text(gpu, 'uuid') || `GPU-${position}`;
    const product = text(gpu, 'product_name') ?? 'NVIDIA GPU';
    const processes = list(child(gpu, 'processes')?.process_info).filter(isCompute);
    const memoryTotal = parseBytes(text(gpu, 'fb_memory_usage/total')) ?? 0;
    if (text(gpu, 'mig_mode/current_mig') !== 'Enabled') {
      out.push({
        index: position,
        uuid,
        model: product,
        utilization: parseFraction(text(gpu, 'utilization/gpu_util')),
        memoryUsed: parseBytes(text(gpu, 'fb_memory_usage/used')) ?? 0,
        memoryTotal,
        busy: processes.length > 0
      });
      return;
    }
    for (const mig of list(child(gpu, 'mig_devices')?.mig_device)) {
      const gi = text(mig, 'gpu_instance_id') ?? '';
      const ci = text(mig, 'compute_instance_id') ?? '';
      const migTotal = parseBytes(text(mig, 'fb_memory_usage/total')) ?? 0;
      const name = text(mig, 'profile_name') ?? text(mig, 'name');
      out.push({
        index: Number(text(mig, 'index')) || 0,
        // Newer drivers may carry the MIG UUID; else the form the R450-R460 drivers used.
        uuid: text(mig, 'uuid') || `MIG-${uuid}/${gi}/${ci}`,
        model: name
          ? profileName(name)
          : migProfile({
              memoryTotal: migTotal,
              parentMemoryTotal: memoryTotal,
              parentProduct: product,
              architecture: text(gpu, 'product_architecture'),
              multiprocessors: Number(text(mig, 'device_attributes/shared/multiprocessor_count'))
            }),
        parent: uuid,
        // nvidia-smi reports no utilisation per MIG instance (DCGM does).
        utilization: parseFraction(text(mig, 'utilization/gpu_util')),
        memoryUsed: parseBytes(text(mig, 'fb_memory_usage/used')) ?? 0,
        memoryTotal: migTotal,
        // Under MIG each process names the GPU and compute instance it runs in.
        busy: processes.some(
          p => text(p, 'gpu_instance_id') === gi && text(p, 'compute_instance_id') === ci
        )
      });
    }
  });
  return out;
}

/** What a GPU reader reports: the devices without the inventory's extra field. */
export function toUsage(devices: SmiDevice[]): GpuUsage[] {
  return devices.map(d => {
    const usage: GpuUsage = {
      index: d.index,
      uuid: d.uuid,
      model: d.model,
      utilization: d.utilization,
      memoryUsed: d.memoryUsed,
      memoryTotal: d.memoryTotal
    };
    return d.parent === undefined ? usage : { ...usage, parent: d.parent };
  });
}

/** Full GPUs first, then MIG profiles, each by name with numbers in order (1g.5gb before 1g.10gb). */
export function compareModels(a: GpuAvailability, b: GpuAvailability): number {
  const mig = Number(a.model.startsWith('mig-')) - Number(b.model.startsWith('mig-'));
  return mig || a.model.localeCompare(b.model, 'en', { numeric: true });
}

/** Free / total per model or MIG profile: free is a device no compute process runs on. */
export function smiInventory(devices: SmiDevice[]): GpuAvailability[] {
  const byModel = new Map<string, GpuAvailability>();
  for (const d of devices) {
    const entry = byModel.get(d.model) ?? { model: d.model, free: 0, total: 0 };
    entry.total += 1;
    entry.free += d.busy ? 0 : 1;
    byModel.set(d.model, entry);
  }
  return [...byModel.values()].sort(compareModels);
}

export interface NvidiaSmiOptions {
  timeoutMs?: number;
  /** How long a reading may serve the inventory before nvidia-smi runs again. */
  inventoryMaxAgeMs?: number;
  /** Told once per distinct failure; default a process warning. */
  onError?: (err: Error) => void;
}

/**
 * The notebook's GPUs from `nvidia-smi -q -x`. A failing nvidia-smi (driver gone, timeout)
 * reads as no GPUs rather than an error, so CPU and memory sampling carry on.
 */
export class NvidiaSmiReader implements GpuReader {
  private last?: { at: number; devices: SmiDevice[] };
  private inFlight?: Promise<SmiDevice[]>;
  private reported?: string;
  /** Why the last run failed; undefined after a good one. */
  lastError?: Error;

  constructor(
    readonly command: string,
    private readonly options: NvidiaSmiOptions = {}
  ) {}

  /** Runs nvidia-smi (concurrent callers share one run); throws when it fails. */
  query(): Promise<SmiDevice[]> {
    this.inFlight ??= this.run().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async run(): Promise<SmiDevice[]> {
    try {
      const xml = await new Promise<string>((resolve, reject) =>
        execFile(
          this.command,
          ['-q', '-x'],
          { timeout: this.options.timeoutMs ?? 5000, maxBuffer: 64 * MIB, encoding: 'utf8' },
          (err, stdout, stderr) =>
            err
              ? reject(
                  new Error(
                    `${this.command} -q -x failed: ${(stderr || stdout).trim() || err.message}`
                  )
                )
              : resolve(stdout)
        )
      );
      const devices = parseNvidiaSmi(xml);
      this.last = { at: Date.now(), devices };
      this.lastError = this.reported = undefined;
      return devices;
    } catch (err) {
      this.lastError = err as Error;
      if (this.reported !== this.lastError.message) {
        this.reported = this.lastError.message;
        (this.options.onError ?? (e => process.emitWarning(e.message)))(this.lastError);
      }
      throw err;
    }
  }

  async read(): Promise<GpuUsage[]> {
    return toUsage(await this.query().catch(() => []));
  }

  /** This machine's GPUs, free or taken; reuses a recent reading (the sampler takes one every few seconds). */
  async inventory(): Promise<GpuInventory> {
    const maxAge = this.options.inventoryMaxAgeMs ?? 30_000;
    const checkedAt = new Date().toISOString();
    try {
      const devices =
        this.last && Date.now() - this.last.at <= maxAge ? this.last.devices : await this.query();
      return {
        source: 'nvidia-smi',
        models: smiInventory(devices),
        ...(devices.length ? {} : { reason: 'nvidia-smi lists no usable GPU' }),
        checkedAt
      };
    } catch (err) {
      return { source: 'nvidia-smi', models: [], reason: (err as Error).message, checkedAt };
    }
  }
}

/**
 * The nvidia-smi to run: `HOTSTEPPER_NVIDIA_SMI` (a path, or a name looked up on PATH),
 * else `nvidia-smi` on PATH; undefined when there is none, and the GPU features disappear.
 */
export async function detectNvidiaSmi(
  env: NodeJS.ProcessEnv = process.env
): Promise<string | undefined> {
  return findProgram(env.HOTSTEPPER_NVIDIA_SMI || 'nvidia-smi', process.cwd(), env.PATH ?? '');
}
