import type { JupyterFrontEndPlugin } from '@jupyterlab/application';

/** @hotstepper/jobs's plugins (being built). */
const plugins: JupyterFrontEndPlugin<void>[] = [];
export default plugins;
