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

const svg = (body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">${body}</svg>`;

/** Each known app's own mark, in its own colours (the same in light and dark themes). */
const APP_ICONS: Record<string, LabIcon> = {
  'desktop-websockify': new LabIcon({
    name: 'hotstepper:app-desktop',
    svgstr: svg(
      '<rect x="2" y="3" width="20" height="14" rx="1.5" fill="#3F51B5"/><rect x="4" y="5" width="16" height="10" fill="#C5CAE9"/><path d="M8 21h8l-1-4H9z" fill="#3F51B5"/>'
    )
  }),
  'code-server': new LabIcon({
    name: 'hotstepper:app-code-server',
    svgstr: svg(
      '<path fill="#007ACC" d="M17.6 1.2 8.3 9.7 3.6 6.1 1.5 7.2v9.6l2.1 1.1 4.7-3.6 9.3 8.5 4.9-2.4V3.6zM3.6 15V9l3 3zm14 1.9L11.2 12l6.4-4.9z"/>'
    )
  }),
  tensorboard: new LabIcon({
    name: 'hotstepper:app-tensorboard',
    svgstr: svg(
      '<path fill="#FF6F00" d="M12 1 2 6.6v11.2l3 1.7V8.4l7-4 7 4v3.1l-7-4-2.9 1.7v12.9L12 23v-6.9l7 4v-3.4l-7-4v-2.6l7 4V8.4l3 1.7V6.6z"/>'
    )
  }),
  rstudio: new LabIcon({
    name: 'hotstepper:app-rstudio',
    svgstr: svg(
      '<circle cx="12" cy="12" r="10.5" fill="#75AADB"/><path fill="#fff" d="M8 6.5h5.2c2.3 0 3.8 1.2 3.8 3.2 0 1.6-1 2.7-2.5 3.1l3 4.7h-2.6l-2.7-4.4H10.3v4.4H8zm2.3 2v3.6h2.8c1.1 0 1.7-.7 1.7-1.8s-.6-1.8-1.7-1.8z"/>'
    )
  }),
  matlab: new LabIcon({
    name: 'hotstepper:app-matlab',
    svgstr: svg(
      '<path fill="#0076A8" d="M1 15.5 6.5 12l3 2.3L7 18z"/><path fill="#E16737" d="M9.5 14.3 14.8 3c1 0 2.3 4.2 4 8.6 1.6 4.2 3.4 7.9 4.2 8.7-1.5-.6-3.3-3.3-5-3.3-1.8 0-2.9 2.3-4.7 2.3-1.4 0-2.4-2.5-3.8-5z"/>'
    )
  })
};

/** The app's own icon, else one fetched from the proxy (registered by `registerIcon`), else ours. */
export function appIcon(name: string): LabIcon {
  return APP_ICONS[name] ?? fetched.get(name) ?? appsIcon;
}

const fetched = new Map<string, LabIcon>();

/** An icon jupyter-server-proxy serves for an app we have none of (an SVG only). */
export function registerIcon(name: string, svgstr: string): LabIcon {
  const icon = new LabIcon({ name: `hotstepper:app-${name}`, svgstr });
  fetched.set(name, icon);
  return icon;
}

const unavailable = new Map<string, LabIcon>();

/**
 * The icon of an app this image lacks, marked inside its SVG: the launcher draws no disabled
 * tile and passes no class of ours, so the stylesheet greys out the tile holding this mark.
 */
export function unavailableIcon(name: string): LabIcon {
  let icon = unavailable.get(name);
  if (!icon) {
    const svgstr = appIcon(name)
      .svgstr.replace(/(<svg[^>]*>)/, '$1<g class="hs-AppTile-unavailable">')
      .replace(/<\/svg>\s*$/, '</g></svg>');
    icon = new LabIcon({ name: `hotstepper:app-${name}-unavailable`, svgstr });
    unavailable.set(name, icon);
  }
  return icon;
}

export function hasOwnIcon(name: string): boolean {
  return name in APP_ICONS;
}
