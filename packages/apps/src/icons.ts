import { LabIcon } from '@jupyterlab/ui-components';

/** A grid of four tiles: the Apps panel's sidebar icon, in the theme's icon colour. */
export const appsIcon = new LabIcon({
  name: 'hotstepper:apps',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 3h8v8H3zm10 0h8v8h-8zM3 13h8v8H3zm10 0h8v8h-8z"/>
  </g>
</svg>`
});
