import { describe, expect, it } from 'vitest';
import { sameSecret } from '../../server/safety/adminAuth.ts';

describe('sameSecret', () => {
  it.each([
    ['a-long-admin-token-123', 'a-long-admin-token-123', true],
    ['a-long-admin-token-12', 'a-long-admin-token-123', false],
    ['a-long-admin-token-1234', 'a-long-admin-token-123', false],
    ['', 'a-long-admin-token-123', false],
    ['A-long-admin-token-123', 'a-long-admin-token-123', false],
  ])('%j vs %j -> %s', (a, b, same) => {
    expect(sameSecret(a, b)).toBe(same);
  });
});
