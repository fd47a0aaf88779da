import type { ISessionContext } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type { Contents, Kernel } from '@jupyterlab/services';
import type { StorageModel } from './model';

/**
 * The folder a kernel of the document at `path` (a path with a storage's drive prefix) should
 * run in, on this machine; undefined when the path is not on a storage drive.
 */
export function storageFolder(
  path: string,
  contents: Pick<Contents.IManager, 'driveName' | 'localPath'>,
  model: Pick<StorageModel, 'storage'>
): string | undefined {
  const drive = contents.driveName(path);
  const storage = drive ? model.storage(drive) : undefined;
  if (!storage) {
    return undefined;
  }
  const dir = PathExt.dirname(contents.localPath(path));
  return dir ? `${storage.path.replace(/\/+$/, '')}/${dir}` : storage.path;
}

/** Python's chdir to `dir`: a JSON string is a valid Python string literal. */
export function chdirCode(dir: string): string {
  return `__import__('os').chdir(${JSON.stringify(dir)})`;
}

/**
 * Keeps the kernel of a document opened from a storage in the document's folder. The Jupyter
 * server starts a kernel for a path with a drive prefix in its root directory (it knows no
 * drives), so the kernel is moved there once it is up, and again after each restart. Python
 * kernels only: other languages have no one way to change directory.
 */
export function followKernel(
  sessionContext: ISessionContext,
  folder: () => string | undefined
): void {
  const move = async (kernel: Kernel.IKernelConnection | null | undefined) => {
    const dir = folder();
    if (!kernel || !dir) {
      return;
    }
    // Known at once from the loaded kernel specs, so the request goes before any cell's.
    const spec = sessionContext.specsManager.specs?.kernelspecs[kernel.name] ?? (await kernel.spec);
    if (spec?.language?.toLowerCase() !== 'python') {
      return;
    }
    await kernel.requestExecute({ code: chdirCode(dir), silent: true, store_history: false }).done;
  };
  let restarting = false;
  sessionContext.kernelChanged.connect(
    (_, args) => void move(args.newValue).catch(() => undefined)
  );
  sessionContext.statusChanged.connect((_, status) => {
    if (status === 'restarting' || status === 'autorestarting') {
      restarting = true;
    } else if (restarting && status === 'idle') {
      restarting = false;
      void move(sessionContext.session?.kernel).catch(() => undefined);
    }
  });
  void move(sessionContext.session?.kernel).catch(() => undefined);
}
