import { describe, expect, it } from 'vitest';
import {
  EVENT_CODE_MAX,
  EVENT_CODE_PATTERN,
  eventCodeFromInput,
  isEventCode,
  normaliseEventCode,
} from '../../shared/rally.ts';

describe('rally codes', () => {
  it.each(['london', 'sao-paulo', 'a', 'x1', 'a'.repeat(EVENT_CODE_MAX)])('accepts %s', (code) =>
    expect(isEventCode(code)).toBe(true),
  );
  it.each([
    '',
    'London',
    ' london',
    '-x',
    'x-',
    'london-',
    'a b',
    'a'.repeat(EVENT_CODE_MAX + 1),
    '<script>',
    42,
    null,
  ])('refuses %j', (code) => expect(isEventCode(code)).toBe(false));
  it('is anchored', () => expect(EVENT_CODE_PATTERN.test('ok\nbad')).toBe(false));

  it('normalises by trimming and lower-casing only', () => {
    expect(normaliseEventCode('  Sao-Paulo \n')).toBe('sao-paulo');
    expect(normaliseEventCode('London-')).toBe('london-');
  });
});

// What the pages do with `?event=` and the admin field (client/pages/screen.ts, add.ts, adminTakedown.ts).
describe('a rally code from a link or a person', () => {
  it.each([
    ['london', 'london'],
    ['London', 'london'],
    [' LON ', 'lon'],
    ['sao-paulo', 'sao-paulo'],
  ])('reads %j as %j', (raw, code) => expect(eventCodeFromInput(raw)).toBe(code));

  it.each([
    null,
    undefined,
    '',
    '   ',
    'london-',
    '-london',
    'a b',
    'a'.repeat(EVENT_CODE_MAX + 1),
    '<script>',
  ])('reads %j as no rally', (raw) => expect(eventCodeFromInput(raw)).toBeNull());

  it('reads the screen URL the way the screen page does', () => {
    const read = (search: string) => eventCodeFromInput(new URLSearchParams(search).get('event'));
    expect(read('?event=London')).toBe('london');
    expect(read('?event=london-')).toBeNull();
    expect(read('')).toBeNull();
  });
});
