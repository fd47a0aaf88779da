import { LabIcon } from '@jupyterlab/ui-components';

/** A mortarboard: the Course panel's sidebar icon, in the theme's icon colour. */
export const courseIcon = new LabIcon({
  name: 'hotstepper:course',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 3 1 9l11 6 9-4.91V17h2V9zM5 13.18v4L12 21l7-3.82v-4L12 17z"/>
  </g>
</svg>`
});

/** A check in a box: marking a cell for nbgrader. */
export const gradeCellIcon = new LabIcon({
  name: 'hotstepper:course-cell',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M19 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2m-9 14-5-5 1.41-1.41L10 14.17l7.59-7.59L19 8z"/>
  </g>
</svg>`
});
