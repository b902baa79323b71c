import { describe, expect, it } from 'vitest';
import { ClientKeys, clientAddress } from '../../server/safety/clientKey.ts';

describe('client addresses', () => {
  it.each([
    ['10.0.0.5', undefined, 0, '10.0.0.5'],
    ['10.0.0.5', '203.0.113.1', 0, '10.0.0.5'],
    ['10.0.0.5', '203.0.113.1', 1, '203.0.113.1'],
    ['10.0.0.5', '198.51.100.9, 203.0.113.1', 1, '203.0.113.1'],
    ['10.0.0.5', '198.51.100.9, 203.0.113.1', 2, '198.51.100.9'],
    ['10.0.0.5', '198.51.100.9', 3, '198.51.100.9'],
    ['10.0.0.5', ['a', 'b'], 1, '10.0.0.5'],
  ])('remote %s, X-Forwarded-For %j, %i hops -> %s', (remote, xff, hops, want) => {
    expect(clientAddress(remote, xff, hops)).toBe(want);
  });

  it('hashes IPv6 by /56, IPv4-mapped as IPv4, and never shows the address', () => {
    const k = new ClientKeys();
    expect(k.ofAddress('2001:db8:0:1::1')).toBe(k.ofAddress('2001:db8:0:ff:1:2:3:4'));
    expect(k.ofAddress('2001:db8:0:100::1')).not.toBe(k.ofAddress('2001:db8:0:1::1'));
    expect(k.ofAddress('::ffff:203.0.113.7')).toBe(k.ofAddress('203.0.113.7'));
    expect(k.ofAddress('203.0.113.7')).not.toBe(k.ofAddress('203.0.113.8'));
    expect(k.ofAddress('203.0.113.7')).not.toMatch(/203|113/);
    // Another process (another secret) gives other keys: nothing to correlate across restarts.
    expect(new ClientKeys().ofAddress('203.0.113.7')).not.toBe(k.ofAddress('203.0.113.7'));
    expect(k.of('client', 'abc')).not.toBe(k.ofAddress('abc'));
  });
});
