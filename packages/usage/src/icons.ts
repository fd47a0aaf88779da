import { LabIcon } from '@jupyterlab/ui-components';

/** A gauge over three bars: the usage panel's sidebar icon, in the theme's icon colour. */
const USAGE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 3a9 9 0 0 0-9 9h2a7 7 0 0 1 14 0h2a9 9 0 0 0-9-9z"/>
    <path d="M12.9 12.6 16.6 7.4l-5.2 3.7a1.2 1.2 0 1 0 1.5 1.5z"/>
    <rect x="4" y="16" width="3" height="5" rx="0.5"/>
    <rect x="10.5" y="14" width="3" height="7" rx="0.5"/>
    <rect x="17" y="17.5" width="3" height="3.5" rx="0.5"/>
  </g>
</svg>`;

export const usageIcon = new LabIcon({ name: 'hotstepper:usage', svgstr: USAGE_SVG });
