import type { JupyterFrontEndPlugin } from '@jupyterlab/application';

/** @hotstepper/flare's plugins (being built). */
const plugins: JupyterFrontEndPlugin<void>[] = [];
export default plugins;
