import { describe, expect, it } from 'vitest';
import { chooseCoding, isCompressible } from '../../server/http/encoding.ts';

describe('chooseCoding', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip, br', 'br'],
    ['gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0.4, gzip;q=0.5', 'gzip'],
    ['br; q=0.9 , gzip;q=0.8', 'br'],
    ['*', 'br'],
    ['*;q=0.1, br;q=0', 'gzip'],
    ['identity', null],
    ['gzip;q=0, br;q=0', null],
    ['gzip;q=abc', null],
    ['deflate', null],
  ])('%j -> %s', (header, coding) => {
    expect(chooseCoding(header)).toBe(coding);
  });

  it('keeps to what is offered', () => {
    expect(chooseCoding('br, gzip', ['gzip'])).toBe('gzip');
    expect(chooseCoding('br', ['gzip'])).toBeNull();
  });
});

describe('isCompressible', () => {
  it.each([
    ['assets/mosaic-abc.js', true],
    ['index.html', true],
    ['assets/header.CSS', true],
    ['logo.svg', true],
    ['tiles/1/128.webp', false],
    ['target.png', false],
    ['assets/mosaic-abc.js.br', false],
  ])('%s -> %s', (name, yes) => {
    expect(isCompressible(name)).toBe(yes);
  });
});
