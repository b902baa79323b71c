import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';

let packaged: string | null | undefined;

/**
 * The ffmpeg executable: FFMPEG_PATH when set, else the static build that ships inside the
 * npm package @ffmpeg-installer/ffmpeg (its per-platform optional dependency holds the binary,
 * so `npm install` alone brings it, with no download at install time). Null when neither is
 * usable on this platform.
 */
export function ffmpegPath(): string | null {
  const env = process.env.FFMPEG_PATH;
  if (env) return executable(env) ? env : null;
  if (packaged === undefined) {
    try {
      const path = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
      packaged = executable(path) ? path : null;
    } catch {
      // The package throws on a platform it has no build for.
      packaged = null;
    }
  }
  return packaged;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
