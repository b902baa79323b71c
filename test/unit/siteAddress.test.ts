import { describe, expect, it } from 'vitest';
import { isLoopbackHost, shareOrigin } from '../../shared/siteAddress.ts';

describe('the address handed to phones', () => {
  it("is this machine's own for localhost and the loopback addresses, and no other", () => {
    for (const h of [
      'localhost',
      'LOCALHOST',
      'kiss.localhost',
      '127.0.0.1',
      '127.1.2.3',
      '[::1]',
      '::1',
      '0.0.0.0',
    ])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of [
      'kiss.example',
      '192.168.1.20',
      '10.0.0.5',
      '[2001:db8::1]',
      'localhost.example',
      '128.0.0.1',
    ])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it("takes the server's public address when it has one, else the page's own, unreachable where that is this machine", () => {
    expect(shareOrigin('https://kiss.example', 'http://localhost:3000')).toEqual({
      origin: 'https://kiss.example',
      unreachable: false,
    });
    expect(shareOrigin(null, 'http://localhost:3000')).toEqual({
      origin: 'http://localhost:3000',
      unreachable: true,
    });
    expect(shareOrigin(null, 'http://127.0.0.1:44725')).toEqual({
      origin: 'http://127.0.0.1:44725',
      unreachable: true,
    });
    expect(shareOrigin(null, 'http://[::1]:3000').unreachable).toBe(true);
    expect(shareOrigin(null, 'http://192.168.1.20:3000')).toEqual({
      origin: 'http://192.168.1.20:3000',
      unreachable: false,
    });
    expect(shareOrigin(null, 'https://kiss.example').unreachable).toBe(false);
  });
});
