/** Image loading for the board: fetch + decode off the main thread, cancellable. */
import type { MosaicInfo } from '../../shared/httpApi.ts';
import type { BoardImage, BoardImages } from '../render/types.ts';
import { atlasUrl, tileUrl } from './api.ts';

export async function loadBitmap(url: string, signal?: AbortSignal): Promise<ImageBitmap> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return createImageBitmap(await res.blob());
}

/** The images a MosaicBoard asks for, served by this server. */
export function serverImages(info: MosaicInfo): BoardImages {
  return {
    atlas: (ax, ay, version, signal): Promise<BoardImage> =>
      loadBitmap(atlasUrl(info, ax, ay, version), signal),
    photo: (id, size, signal): Promise<BoardImage> => loadBitmap(tileUrl(info, id, size), signal),
  };
}
