import type { StorageKind } from '@hotstepper/api';
import {
  LabIcon,
  folderFavoriteIcon,
  folderIcon,
  homeIcon,
  usersIcon
} from '@jupyterlab/ui-components';

/** Stacked disks: the Storages panel's sidebar icon, in the theme's icon colour. */
export const storageIcon = new LabIcon({
  name: 'hotstepper:storage',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M4 4h16v5H4zm2 2v1h2V6zM4 10h16v5H4zm2 2v1h2v-1zM4 16h16v5H4zm2 2v1h2v-1z"/>
  </g>
</svg>`
});

/** A server rack: a remote home such as MetaCentrum's. */
const serverIcon = new LabIcon({
  name: 'hotstepper:storage-server',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 3h18v7H3zm2 2v3h2V5zm4 0v3h2V5zM3 14h18v7H3zm2 2v3h2v-3zm4 0v3h2v-3z"/>
  </g>
</svg>`
});

/** A cloud: object storage. */
const cloudIcon = new LabIcon({
  name: 'hotstepper:storage-cloud',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M19.4 10A7 7 0 0 0 6.3 8.2 5.5 5.5 0 0 0 6.5 19h12.5a4.5 4.5 0 0 0 .4-9z"/>
  </g>
</svg>`
});

export const KIND_ICONS: Record<StorageKind, LabIcon> = {
  home: homeIcon,
  metacentrum: serverIcon,
  project: folderFavoriteIcon,
  shared: usersIcon,
  s3: cloudIcon,
  other: folderIcon
};
