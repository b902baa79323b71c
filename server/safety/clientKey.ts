import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { ipKeyGenerator } from 'express-rate-limit';

/** The cookie that tells one browser from another when it sends no X-Client-Id. */
export const CLIENT_COOKIE = 'kiss_client';
/** The form of the random ids clients make (browser ids, upload keys): 16-64 url-safe characters. */
const OPAQUE_ID = '[A-Za-z0-9_-]{16,64}';
const WHOLE_ID = new RegExp(`^${OPAQUE_ID}$`);
const COOKIE_ID = new RegExp(`(?:^|;\\s*)${CLIENT_COOKIE}=(${OPAQUE_ID})(?:;|$)`);

/** True when `s` is a client-made id of {@link OPAQUE_ID}'s form. */
export function isOpaqueId(s: unknown): s is string {
  return typeof s === 'string' && WHOLE_ID.test(s);
}

/**
 * The id a browser gives itself (random, kept in its localStorage; see client/net/clientId.ts):
 * the `X-Client-Id` header, else the `kiss_client` cookie; null when neither is there or
 * well-formed. Only ever used hashed, in memory.
 */
export function browserId(headers: { 'x-client-id'?: unknown; cookie?: string }): string | null {
  const header = headers['x-client-id'];
  if (isOpaqueId(header)) return header;
  return COOKIE_ID.exec(headers.cookie ?? '')?.[1] ?? null;
}

/** IPv6 clients are counted by their /56 prefix (what one home or phone is usually given). */
export const IPV6_PREFIX = 56;

/**
 * The client's address as express's `trust proxy = <hops>` sees it: the socket's peer,
 * or, behind `hops` trusted proxies, the X-Forwarded-For entry that many hops back.
 * For Socket.IO handshakes, which do not pass through express.
 */
export function clientAddress(remote: string | undefined, forwardedFor: unknown, hops: number): string {
  const chain = [remote ?? ''];
  if (hops > 0 && typeof forwardedFor === 'string') {
    const list = forwardedFor
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    chain.push(...list.reverse());
  }
  return chain[Math.min(hops, chain.length - 1)]!;
}

/**
 * Turns addresses into opaque keys: an HMAC with a key made at start-up and never written
 * anywhere, over the address (IPv6: its /56 network). The keys live in memory only; after
 * a restart nobody, the operator included, can map one back to an address.
 *
 * A cluster passes the secret its nodes share (see `sharedKeySecret` in redisKeys.ts), so that
 * every node hashes an address to the same key; one process draws its own.
 */
export class ClientKeys {
  private readonly secret: Buffer;

  constructor(secret?: Buffer) {
    if (secret && secret.length < 32) throw new Error('ClientKeys: the secret must be at least 32 bytes');
    this.secret = secret ?? randomBytes(32);
  }

  /** The opaque key of an address ('' or garbage gets one shared key). */
  ofAddress(ip: string | undefined): string {
    const raw = ip ?? '';
    const net = isIP(raw) ? ipKeyGenerator(raw, IPV6_PREFIX) : 'unknown';
    return this.mac(`ip:${net}`);
  }

  /** An opaque key for any other identifier (e.g. a flagger's client id). */
  of(kind: string, value: string): string {
    return this.mac(`${kind}:${value}`);
  }

  private mac(s: string): string {
    return createHmac('sha256', this.secret).update(s).digest('base64url').slice(0, 22);
  }
}
