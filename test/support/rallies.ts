import type { RallyInput } from '../../shared/rallies.ts';

/** Two registered rallies for the tests: one in English, one in Russian with a Cyrillic name. */
export const LONDON: RallyInput = {
  code: 'london',
  name: 'Kiss-in at Trafalgar Square',
  city: 'London',
  timeZone: 'Europe/London',
  date: '2026-05-17',
  language: 'en',
  moderation: null,
};

export const MOSCOW: RallyInput = {
  code: 'moscow',
  name: 'Поцелуй на Арбате',
  city: 'Москва',
  timeZone: 'Europe/Moscow',
  date: '2026-05-17',
  language: 'ru',
  moderation: null,
};
