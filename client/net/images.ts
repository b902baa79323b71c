/** Image loading for the board: fetch + decode off the main thread, cancellable. */
import type { MosaicInfo } from '../../shared/httpApi.ts';
import { colourPyramidOf, tileVersion } from '../../shared/mosaic/colourPyramid.ts';
import { OVERVIEW_PREVIEW_ID } from '../preview/ids.ts';
import type { BoardImage, BoardImages } from '../render/types.ts';
import { atlasUrl, tileUrl } from './api.ts';
import { ImageStatusError, loadBitmap } from './bitmap.ts';
import { colourTileUrl, loadView, takePrefetched } from './snapshot.ts';

/** The page's preview image of `url` (client/preview/overview.ts), when it has loaded. */
function previewImage(url: string): HTMLImageElement | null {
  const layer = document.getElementById(OVERVIEW_PREVIEW_ID);
  for (const img of layer?.getElementsByTagName('img') ?? [])
    if (img.dataset.url === url && img.complete && img.naturalWidth > 0) return img;
  return null;
}

/**
 * A colour pyramid tile at `version`. A version from before a delete is refused (404): the
 * tile's current version is then read from a fresh view start and loaded instead.
 */
export async function loadColourTile(
  level: number,
  tx: number,
  ty: number,
  version: number,
  signal?: AbortSignal,
): Promise<ImageBitmap> {
  try {
    const url = colourTileUrl(level, tx, ty, version);
    const shown = previewImage(url);
    if (shown) return await createImageBitmap(shown);
    const early = takePrefetched(url);
    if (early) return await createImageBitmap(await early);
    return await loadBitmap(url, signal);
  } catch (err) {
    if (!(err instanceof ImageStatusError) || err.status !== 404) throw err;
    const fresh = await loadView();
    const versions = fresh?.start.versions;
    if (!fresh || !versions) throw err;
    const p = colourPyramidOf(fresh.start.cols, fresh.start.rows);
    const now = tileVersion(p, versions, { level, tx, ty });
    return loadBitmap(colourTileUrl(level, tx, ty, Math.max(version, now)), signal);
  }
}

/** The images a MosaicBoard asks for, served by this server. */
export function serverImages(info: MosaicInfo): BoardImages {
  return {
    atlas: (ax, ay, version, signal): Promise<BoardImage> =>
      loadBitmap(atlasUrl(info, ax, ay, version), signal),
    photo: (id, size, signal): Promise<BoardImage> => loadBitmap(tileUrl(info, id, size), signal),
  };
}
