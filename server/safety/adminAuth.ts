import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** True when `presented` is `expected`, in time that does not depend on where they differ or on their lengths. */
export function sameSecret(presented: string, expected: string): boolean {
  // Hashing first gives equal lengths, so timingSafeEqual never throws or leaks the length.
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * Guards the admin API with `Authorization: Bearer <ADMIN_TOKEN>`. Without a configured
 * token the API is off (503 ADMIN_DISABLED); a missing or wrong token is 401.
 */
export function requireAdmin(token: string | undefined): RequestHandler {
  return (req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    if (!token) {
      next(
        new AppError(
          503,
          'ADMIN_DISABLED',
          'The admin API is off: the server was started without ADMIN_TOKEN (at least 16 characters).',
        ),
      );
      return;
    }
    const m = /^Bearer (\S{1,512})$/.exec(req.headers.authorization ?? '');
    if (!m || !sameSecret(m[1]!, token)) {
      next(
        new AppError(401, 'UNAUTHORIZED', 'Send the admin token as "Authorization: Bearer <ADMIN_TOKEN>".', {
          'WWW-Authenticate': 'Bearer realm="admin"',
        }),
      );
      return;
    }
    next();
  };
}
