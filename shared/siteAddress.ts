/**
 * Which address a page hands to phones (a QR code, a flyer): the server's `PUBLIC_URL` when it
 * has one, else the page's own, and whether phones could open that at all.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */

/** Whether a host name is this machine's own (localhost, a loopback address): no phone can open it. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) ||
    h === '::1' ||
    h === '0.0.0.0'
  );
}

/**
 * The origin to share: `publicUrl` as the server is told, else `pageOrigin`. `unreachable` when
 * it is the page's own and names this machine (an organiser's laptop at http://localhost:3000):
 * a QR code to it would open nothing on a phone.
 */
export function shareOrigin(
  publicUrl: string | null,
  pageOrigin: string,
): { origin: string; unreachable: boolean } {
  if (publicUrl) return { origin: publicUrl, unreachable: false };
  const host = /^[a-z][a-z\d+.-]*:\/\/(\[[^\]]*\]|[^:/?#]*)/i.exec(pageOrigin)?.[1] ?? '';
  return { origin: pageOrigin, unreachable: isLoopbackHost(host) };
}
