import { describe, expect, it } from 'vitest';
import { parseTileRef } from '../../client/ui/findKiss.ts';

describe('parseTileRef: what "find my kiss" takes', () => {
  it.each([
    ['1234', 1234],
    ['  42 ', 42],
    ['#42', 42],
    ['№ 42', 42],
    ['nº 42', 42],
    ['/t/42', 42],
    ['/t/42/', 42],
    ['https://kiss.example/t/42', 42],
    ['https://kiss.example/t/42?lang=ru', 42],
    ['kiss.example/t/7#top', 7],
  ])('%j is tile %i', (text, id) => {
    expect(parseTileRef(text)).toBe(id);
  });

  it.each([
    '',
    'my kiss',
    '0',
    '-3',
    '12a',
    '/t/',
    'https://kiss.example/add?delete=5.abc',
    '1.5',
    '99999999999',
  ])('%j is no tile', (text) => {
    expect(parseTileRef(text)).toBeNull();
  });
});
