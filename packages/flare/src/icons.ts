import { LabIcon } from '@jupyterlab/ui-components';

/** A flare rising from a box: the flare panel's sidebar icon, in the theme's icon colour. */
const FLARE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 2c.6 2.2 3 3.6 3 6.4A3 3 0 0 1 12 11.5a3 3 0 0 1-3-3.1c0-1.3.7-2.3 1.4-3 .1 1 .6 1.7 1.3 2C11.3 5.7 11.4 3.6 12 2z"/>
    <path d="M11 12.5h2V17h-2z"/>
    <path d="M4 14h4v2H6v4h12v-4h-2v-2h4v8H4z"/>
  </g>
</svg>`;

export const flareIcon = new LabIcon({ name: 'hotstepper:flare', svgstr: FLARE_SVG });
