/**
 * One image fetched and decoded off the main thread. A module of its own, so that a page which
 * only shows a picture (the contribute page's tile, its neighbourhood) does not load the board's
 * image loading and, with it, the view start's decoding (snapshot.ts).
 */

/** An image the server refused, with its HTTP status. */
export class ImageStatusError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`${url}: ${status}`);
  }
}

export async function loadBitmap(url: string, signal?: AbortSignal): Promise<ImageBitmap> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw new ImageStatusError(url, res.status);
  return createImageBitmap(await res.blob());
}
