/**
 * The organiser's console: the rally registry's shapes (`/api/admin/rallies`) and the live
 * numbers (`GET /api/admin/stats`, and `stats:updated` on the `/admin` Socket.IO namespace).
 * Rally codes follow the one rule of rally.ts.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs (Intl is part of the language).
 */
import { isEventCode } from './rally.ts';

/** The languages a rally's pages and flyer can be in: the campaign's six. */
export const RALLY_LANGUAGES = ['en', 'ru', 'pt-BR', 'es', 'de', 'fr'] as const;
/** One of {@link RALLY_LANGUAGES}. */
export type RallyLanguage = (typeof RALLY_LANGUAGES)[number];
/**
 * The cookie in which a browser keeps the language chosen with a page's language switch, so that
 * the server names that language's words in the next page's HTML (server/http/pageLanguage.ts).
 */
export const LANGUAGE_COOKIE = 'kiss_lang';
const KEPT_LANGUAGE = new RegExp(`(?:^|;\\s*)${LANGUAGE_COOKIE}=([^;]*)`);

/** The language a Cookie header (or `document.cookie`) keeps in {@link LANGUAGE_COOKIE}, when it is one of the six. */
export function cookieLanguage(cookie: string): RallyLanguage | undefined {
  const value = KEPT_LANGUAGE.exec(cookie)?.[1];
  return RALLY_LANGUAGES.find((code) => code === value);
}

/** What an organiser enters for a rally (the code is fixed once created). */
export interface RallyInput {
  code: string;
  name: string;
  city: string;
  /** An IANA time zone, e.g. `Europe/London`. */
  timeZone: string;
  /** The rally's day, `YYYY-MM-DD`, in its own time zone. */
  date: string;
  language: RallyLanguage;
  /** A moderation mode of its own, or null to follow the server's `MODERATION`. */
  moderation: 'post' | 'pre' | null;
}

/** A rally as the registry keeps it, with its links (paths on this server). */
export interface Rally extends RallyInput {
  createdAt: string;
  links: { screen: string; view: string; contribute: string; flyerA4: string; flyerA3: string };
}

/**
 * `GET /api/rallies/:code`: a registered rally as its public pages name it (what its flyer
 * prints; not its moderation mode).
 */
export type PublicRally = Pick<RallyInput, 'code' | 'name' | 'city' | 'date' | 'timeZone' | 'language'>;

/** A rally's title on its pages: its name, with its city where the name does not already say it. */
export function rallyTitle(r: Pick<RallyInput, 'name' | 'city'>): string {
  return r.name.toLocaleLowerCase().includes(r.city.toLocaleLowerCase()) ? r.name : `${r.name}, ${r.city}`;
}

/** `GET /api/admin/rallies` answer, in code order. */
export interface RallyList {
  rallies: Rally[];
}

/** Paper sizes of the printable flyer. */
export const FLYER_SIZES = ['A4', 'A3'] as const;
/** One of {@link FLYER_SIZES}. */
export type FlyerSize = (typeof FLYER_SIZES)[number];

/** True when `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz.length === 0 || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isRallyDate(d: unknown): d is string {
  if (typeof d !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return false;
  const t = Date.parse(`${d}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === d;
}

/** The links of a rally, from its code (and, for its screen, its language). */
export function rallyLinks(code: string, language: RallyLanguage): Rally['links'] {
  const c = encodeURIComponent(code);
  return {
    // The screen speaks to the rally's crowd, whatever the language of the browser showing it;
    // the other pages open on phones, in their own people's languages.
    screen: `/screen?event=${c}&lang=${language}`,
    view: `/?event=${c}`,
    contribute: `/add?event=${c}`,
    flyerA4: `/api/rallies/${c}/flyer.pdf?size=A4`,
    flyerA3: `/api/rallies/${c}/flyer.pdf?size=A3`,
  };
}

/** The longest rally name or city, in characters. */
export const RALLY_TEXT_MAX = 80;

/**
 * The first problem with a rally's fields, as `[field, reason]`, or null when all are good.
 * The server and the admin form both check with it.
 */
export function rallyProblem(
  r: Partial<Record<keyof RallyInput, unknown>>,
): [keyof RallyInput, string] | null {
  if (!isEventCode(r.code)) return ['code', 'a rally code like "london"'];
  for (const f of ['name', 'city'] as const) {
    const v = r[f];
    if (typeof v !== 'string' || v.trim().length === 0 || v.length > RALLY_TEXT_MAX)
      return [f, `1 to ${RALLY_TEXT_MAX} characters`];
  }
  if (!isTimeZone(r.timeZone)) return ['timeZone', 'an IANA time zone like "Europe/London"'];
  if (!isRallyDate(r.date)) return ['date', 'a day like "2026-05-17"'];
  if (!(RALLY_LANGUAGES as readonly unknown[]).includes(r.language))
    return ['language', `one of ${RALLY_LANGUAGES.join(', ')}`];
  if (r.moderation !== null && r.moderation !== 'post' && r.moderation !== 'pre')
    return ['moderation', '"post", "pre" or null'];
  return null;
}

/** Counts for one minute of the last hour. */
export interface MinuteCount {
  /** The minute's start, ms since 1970. */
  t: number;
  n: number;
}

/**
 * The `/admin` namespace's protocol: a console sends it as `auth.v`, and one that speaks another
 * is refused with `VERSION_MISMATCH` ("reload the page"), as the viewers' namespace does. Raise
 * it when {@link AdminStats} or the namespace's events change shape.
 */
export const ADMIN_PROTOCOL_VERSION = 2;

/**
 * One waiting tile's share of {@link queueMark}: its id mixed to 32 bits (the "hash32" mixer,
 * whose constant is small enough that PostgreSQL computes the same in bigint arithmetic; see
 * `QUEUE_MIX_JOIN` in server/cluster/pgData.ts).
 */
export function queueMix(id: number): number {
  let x = id >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** {@link queueMark} from the queue's length and the sum of its ids' {@link queueMix}es. */
export function queueMarkOf(length: number, mixSum: number): number {
  // FNV-1a over the two 32-bit words.
  let h = 0x811c9dc5;
  for (const word of [length >>> 0, (mixSum % 2 ** 32) >>> 0])
    for (let shift = 0; shift < 32; shift += 8) h = Math.imul(h ^ ((word >>> shift) & 0xff), 0x01000193);
  return h >>> 0;
}

/**
 * {@link AdminStats}' `queue.mark` of the waiting tiles' ids: a hash of the set, whatever the
 * order, so that a store can sum it up in one query without listing the ids.
 */
export function queueMark(ids: Iterable<number>): number {
  let n = 0;
  let sum = 0;
  for (const id of ids) {
    n++;
    sum = (sum + queueMix(id)) % 2 ** 32;
  }
  return queueMarkOf(n, sum);
}

/**
 * `GET /api/admin/stats` and the `/admin` namespace's `stats:updated`: counts only, nothing
 * about any person. `perNode` names the figures that count this node's own work only.
 */
export interface AdminStats {
  at: string;
  node: string;
  tiles: { total: number; perRally: Record<string, number> };
  /** Tiles placed per minute over the last hour, oldest first (60 entries). */
  tilesPerMinute: MinuteCount[];
  /** Refused uploads by error code, since start. */
  refused: Record<string, number>;
  /** Each null while the store does not answer (`storage.unavailable`), rather than an empty queue. */
  queue: {
    length: number | null;
    oldestAgeMs: number | null;
    /**
     * Changes whenever a tile joins or leaves the queue, even where as many join as leave (a
     * 32-bit hash of the set of waiting ids): a console asks for the queue again when it changes.
     */
    mark: number | null;
  };
  /**
   * Live connections by the handshake's `role`: viewers' pages (`viewers`, and those that follow
   * a rally by it) and rally screens. In cluster mode, every node's added up.
   */
  online: {
    viewers: number;
    screens: number;
    viewersPerRally: Record<string, number>;
    screensPerRally: Record<string, number>;
  };
  /** From an upload's first byte to its placement reaching viewers, over the last 1,000 uploads. */
  uploadToVisibleMs: { p50: number | null; p99: number | null; samples: number };
  ingest: {
    /** Photos this node processed in the last minute. */
    photosLastMinute: number;
    /** Median processing time of one photo (wall, ms). */
    msPerPhotoP50: number | null;
    /**
     * The image work's CPU over the last minute, % of one core: every thread but the main one
     * (libvips' workers, where sharp decodes and encodes, and the libuv pool that drives them).
     * Null where threads cannot be read (no /proc).
     */
    cpuPercent: number | null;
    /** The whole server process's CPU over the last minute, % of one core (the main thread's JavaScript too). */
    processCpuPercent: number;
  };
  /**
   * Embedded: the file system that holds DATA_DIR. Cluster: the PostgreSQL database's size, and
   * null for free space, which PostgreSQL does not tell its clients. Null when it cannot be read.
   * `failed`: embedded, the disk failed to keep a commit (an fsync error), so the server stores
   * nothing more (503 STORAGE_FAILED) until it is restarted once the disk is checked; always
   * false in a cluster. `unavailable`: cluster, PostgreSQL did not answer these figures' reads
   * (uploads meanwhile answer 503 STORE_UNAVAILABLE; the nodes go on by themselves once it is
   * back); always false embedded.
   */
  storage: { usedBytes: number | null; freeBytes: number | null; failed: boolean; unavailable: boolean };
  perNode: string[];
}
