import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { AppError } from '../errors.ts';

/**
 * The Content-Security-Policy. Besides 'self' it allows only what the client needs:
 * - connect-src ws: wss: for the Socket.IO WebSocket (older Safari does not count it as 'self');
 * - img-src / worker-src blob: and data: for PixiJS (textures, its image-decoding worker) and
 *   for admin thumbnails, which are fetched with the token and shown as blob: URLs;
 * Scripts only from this origin: nothing inline ('unsafe-inline'), so injected markup cannot run
 * script, and no 'unsafe-eval': the client imports 'pixi.js/unsafe-eval', PixiJS's static code
 * for what it would otherwise compile with `new Function`.
 */
export function cspDirectives(opts: { https: boolean }): Record<string, string[]> {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", 'ws:', 'wss:', 'blob:', 'data:'],
    'worker-src': ["'self'", 'blob:'],
    'media-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'self'"],
    'script-src-attr': ["'none'"],
  };
  // Over plain HTTP (a laptop at a rally) upgrading would break every request.
  if (opts.https) directives['upgrade-insecure-requests'] = [];
  return directives;
}

/** helmet's headers with our CSP, plus a Permissions-Policy that keeps location and microphone off. */
export function securityHeaders(opts: { https: boolean }): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(opts) },
      // Tile images and exports are for this site's pages only.
      crossOriginResourcePolicy: { policy: 'same-origin' },
      // no-referrer: a delete link (which holds the token) never leaks through Referer.
      referrerPolicy: { policy: 'no-referrer' },
    }),
    (_req, res, next) => {
      res.setHeader('Permissions-Policy', 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()');
      next();
    },
  ];
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Refuses state-changing API requests that a browser marks as sent from another site
 * (`Sec-Fetch-Site: cross-site`): another page cannot make its visitors upload, flag or
 * delete here. Requests without the header (non-browser clients) pass.
 */
export const refuseCrossSite: RequestHandler = (req, _res, next) => {
  if (UNSAFE.has(req.method) && req.headers['sec-fetch-site'] === 'cross-site') {
    req.resume();
    next(new AppError(403, 'FORBIDDEN', 'Requests from other websites are not accepted.'));
    return;
  }
  next();
};
