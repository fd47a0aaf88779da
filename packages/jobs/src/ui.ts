/**
 * What the jobs feature shows, loaded on first use (a chunk of its own): the sidebar's list,
 * the job views and the submit form. JupyterLab starts without it.
 */
export { JobsPanel } from './components/JobsPanel';
export { JobViews } from './detail';
export { initialFromArgs, openSubmitForm } from './submit';
