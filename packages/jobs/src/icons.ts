import { LabIcon } from '@jupyterlab/ui-components';

/** A play mark over stacked lines: work that runs on its own. The jobs sidebar's icon. */
const JOBS_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <rect x="3" y="4" width="11" height="2.5" rx="0.5"/>
    <rect x="3" y="10.75" width="8" height="2.5" rx="0.5"/>
    <rect x="3" y="17.5" width="11" height="2.5" rx="0.5"/>
    <path d="M14 9.2v8.6a.6.6 0 0 0 .9.5l6.6-4.3a.6.6 0 0 0 0-1L14.9 8.7a.6.6 0 0 0-.9.5z"/>
  </g>
</svg>`;

/** The "Run as job" mark: a play triangle in a circle. */
const RUN_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16z"/>
    <path d="M10 8.2v7.6a.6.6 0 0 0 .9.5l5.8-3.8a.6.6 0 0 0 0-1l-5.8-3.8a.6.6 0 0 0-.9.5z"/>
  </g>
</svg>`;

export const jobsIcon = new LabIcon({ name: 'hotstepper:jobs', svgstr: JOBS_SVG });
export const runAsJobIcon = new LabIcon({ name: 'hotstepper:run-as-job', svgstr: RUN_SVG });
