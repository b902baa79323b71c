/**
 * The HTTP API's contract, imported by the routes and by the client: its error codes, the
 * shapes of its answers, and the constants both sides must agree on (tile sizes, atlas
 * blocks, flag reasons). The admin API's shapes are in adminApi.ts.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */

/**
 * A delete token as a link and a request carry it (`Authorization: Bearer <token>`): URL-safe
 * base64, 16 to 128 characters (the server makes 32). A pattern for a RegExp's source.
 */
export const DELETE_TOKEN_PATTERN = '[A-Za-z0-9_-]{16,128}';

/**
 * Error codes of the HTTP API. Every 4xx/5xx body is `{ error: { code, message } }`
 * with one of these codes; the client translates them for people.
 */
export const HttpErrorCode = {
  NO_PHOTO: 'NO_PHOTO',
  BAD_REQUEST: 'BAD_REQUEST',
  BAD_EVENT: 'BAD_EVENT',
  /** `EVENTS=listed`: the rally code is well formed but not in the registry (400). */
  UNKNOWN_EVENT: 'UNKNOWN_EVENT',
  /** A new rally's code is taken (409). */
  RALLY_EXISTS: 'RALLY_EXISTS',
  FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  TOO_MANY_PIXELS: 'TOO_MANY_PIXELS',
  UNSUPPORTED_FORMAT: 'UNSUPPORTED_FORMAT',
  IMAGE_TOO_SMALL: 'IMAGE_TOO_SMALL',
  BAD_ASPECT_RATIO: 'BAD_ASPECT_RATIO',
  CORRUPT_IMAGE: 'CORRUPT_IMAGE',
  DUPLICATE_PHOTO: 'DUPLICATE_PHOTO',
  RATE_LIMITED: 'RATE_LIMITED',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  /** The server has no ADMIN_TOKEN set, so the admin API is off (503). */
  ADMIN_DISABLED: 'ADMIN_DISABLED',
  BAD_WIDTH: 'BAD_WIDTH',
  /** A pyramid URL's `?v=<seq>` names a version the mosaic has changed since (404): load the descriptor again. */
  STALE_VERSION: 'STALE_VERSION',
  /** This node's copy of the mosaic has not yet reached the `min` seq a viewer asked for (503 with Retry-After). */
  BEHIND: 'BEHIND',
  /** Cluster mode: no node holds the placer's role right now (503 with Retry-After); retry with the same Idempotency-Key. */
  PLACER_UNAVAILABLE: 'PLACER_UNAVAILABLE',
  /** The database that holds the mosaic cannot be reached (503); nothing was stored. */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** No ffmpeg for this platform (503): the timelapse video cannot be made; set FFMPEG_PATH. */
  ENCODER_UNAVAILABLE: 'ENCODER_UNAVAILABLE',
  /** A finished timelapse held a tile removed since (409); it is being made again: follow its job. */
  VIDEO_STALE: 'VIDEO_STALE',
  /** The disk failed to keep a commit (an fsync error, 503): the server stores nothing more until it restarts. */
  STORAGE_FAILED: 'STORAGE_FAILED',
  /** The server's disk is (nearly) full (507): nothing was stored; uploads work again once space is freed. */
  STORAGE_FULL: 'STORAGE_FULL',
  /** The same file is being imported by another request right now (409 with Retry-After): send it again shortly. */
  IMPORT_IN_PROGRESS: 'IMPORT_IN_PROGRESS',
  /** A print route's parameters (poster size, dpi, bleed, paper, sticker size...) are out of range (400). */
  BAD_PRINT_OPTIONS: 'BAD_PRINT_OPTIONS',
  INTERNAL: 'INTERNAL',
} as const;

/** One of {@link HttpErrorCode}. */
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/**
 * Refusals of `POST /api/admin/import` that every other file of the run would meet as well (a
 * wrong token, a disk that is full or failing, a rally the registry does not hold): the import
 * stops at the first, leaving the files not yet sent for the next run, instead of sending each.
 */
export const IMPORT_STOPPING_CODES: readonly HttpErrorCode[] = [
  HttpErrorCode.UNAUTHORIZED,
  HttpErrorCode.ADMIN_DISABLED,
  HttpErrorCode.STORAGE_FULL,
  HttpErrorCode.STORAGE_FAILED,
  HttpErrorCode.UNKNOWN_EVENT,
];

/** The body of every HTTP error answer. */
export interface HttpErrorBody {
  error: { code: HttpErrorCode; message: string };
}

/** `POST /api/tiles` answer (201). */
export interface UploadAnswer {
  id: number;
  col: number;
  row: number;
  seq: number;
  deleteToken: string;
}

/** `GET /api/mosaic` answer. */
export interface MosaicInfo {
  cols: number;
  rows: number;
  tileCount: number;
  seq: number;
  tileSizes: number[];
  /** Template with `{id}` and `{size}`. */
  tileUrl: string;
  targetUrl: string;
  /** The target at 512 px (WebP), what the viewer draws dimmed behind empty cells. */
  targetPreviewUrl: string;
  tint: number;
  /** Template with `{ax}` and `{ay}`: a block of atlasCells x atlasCells tiles, tinted. */
  atlasUrl: string;
  atlasCells: number;
  atlasTileSize: number;
  moderation: 'post' | 'pre';
  /**
   * The address phones open, as the server is told (`PUBLIC_URL`, no trailing slash), or null:
   * then the pages' own address is the one to share.
   */
  publicUrl: string | null;
}

/**
 * `GET /api/tiles/:id/status` answer, to the holder of the tile's delete token: still waiting for
 * review (or hidden by flags until a moderator decides), or live in its cell.
 */
export type TileStatusAnswer = { status: 'pending' } | { status: 'live'; col: number; row: number };

/** `GET /api/tiles/:id` answer: nothing identifying. */
export interface TilePublic {
  id: number;
  col: number;
  row: number;
  event: string | null;
  createdAt: string;
}

/**
 * What a proxy in front of the server answers, with a page of its own rather than the server's
 * JSON error, when the server behind it does not answer (it restarts, it is down): for a client
 * that is no answer at all, to be waited out like a dropped connection.
 */
export const PROXY_NO_ANSWER_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** The sizes, in px, of every tile's square WebP re-encodes (`/tiles/{id}/{size}.webp`). */
export const TILE_SIZES = [32, 128, 512] as const;
/** One of {@link TILE_SIZES}. */
export type TileSize = (typeof TILE_SIZES)[number];

/** Whether `n` is one of {@link TILE_SIZES}. */
export function isTileSize(n: number): n is TileSize {
  return (TILE_SIZES as readonly number[]).includes(n);
}

/** Cells per side of an atlas block (`/api/atlas/{ax}/{ay}.webp`); sent as `atlasCells`. */
export const ATLAS_CELLS = 16;
/** Px per cell in an atlas block; sent as `atlasTileSize`. */
export const ATLAS_TILE_PX = 32;

/** The reasons a viewer may give when flagging a tile (`POST /api/tiles/:id/flag`). */
export const FLAG_REASONS = ['sexual', 'violence', 'hate', 'personal-info', 'spam', 'other'] as const;
/** One of {@link FLAG_REASONS}. */
export type FlagReason = (typeof FLAG_REASONS)[number];

/** The square the subject-aware crop keeps, as fractions of the upright photo's width and height. */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** `POST /api/preview` answer. */
export interface PreviewAnswer {
  crop: CropBox;
}

/** `GET /api/health` answer, on every node. */
export interface HealthAnswer {
  ok: boolean;
  /** `single`: the embedded default; in cluster mode the one `placer` or a `follower`. */
  role: 'placer' | 'follower' | 'single';
  /** This node's name (NODE_ID, or host and process id). */
  node: string;
  /** The last change this node's live copy has applied. */
  seq: number;
  epoch: number;
}
