/**
 * Rally codes (`london`, `sao-paulo`): the one rule for every edge that takes one.
 *
 * The server takes canonical codes only, at every edge alike: the upload form's `event`, the
 * admin takedown, the live handshake's `auth.event` and `event:join`. Anything else
 * (`London`, `london-`, `<script>`) is refused there (400 `BAD_EVENT`, 400 `BAD_REQUEST`,
 * `MALFORMED`), never stored under another spelling.
 *
 * The pages, where people type codes and links carry them (`/screen?event=London`, the admin
 * takedown field), put what they read in the canonical form with {@link eventCodeFromInput}
 * before they send it, so every code on the wire is canonical.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */

/** The longest rally code, in characters. */
export const EVENT_CODE_MAX = 32;

/** Canonical rally codes: lower-case letters, digits and dashes, 1 to {@link EVENT_CODE_MAX} characters, no dash at either end. */
export const EVENT_CODE_PATTERN = new RegExp(`^[a-z0-9](?:[a-z0-9-]{0,${EVENT_CODE_MAX - 2}}[a-z0-9])?$`);

/** True when `code` is a canonical rally code: what every server edge accepts. */
export function isEventCode(code: unknown): code is string {
  return typeof code === 'string' && EVENT_CODE_PATTERN.test(code);
}

/** Puts what a person typed in the canonical form (trimmed, lower-case); it does not validate. */
export function normaliseEventCode(raw: string): string {
  return raw.trim().toLowerCase();
}

/**
 * The rally code a person typed or a link carried, in canonical form, or null when there is
 * none or it is not a rally code even once normalised (`london-`). For pages only: the server
 * refuses what is not canonical instead.
 */
export function eventCodeFromInput(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null) return null;
  const code = normaliseEventCode(raw);
  return isEventCode(code) ? code : null;
}
