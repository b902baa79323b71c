import { describe, expect, it } from 'vitest';
import * as consoleDe from '../../client/i18n/console/de.ts';
import * as consoleEn from '../../client/i18n/console/en.ts';
import * as consoleEs from '../../client/i18n/console/es.ts';
import * as consoleFr from '../../client/i18n/console/fr.ts';
import * as consolePtBR from '../../client/i18n/console/ptBR.ts';
import * as consoleRu from '../../client/i18n/console/ru.ts';
import { de } from '../../client/i18n/de.ts';
import { en, type Message } from '../../client/i18n/en.ts';
import { es } from '../../client/i18n/es.ts';
import { fr } from '../../client/i18n/fr.ts';
import { ptBR } from '../../client/i18n/ptBR.ts';
import { ru } from '../../client/i18n/ru.ts';
import { WAITING_DAYS } from '../../client/net/waitingKiss.ts';
import { PHOTO_LIMITS } from '../../shared/photoShape.ts';
import { RALLY_TEXT_MAX } from '../../shared/rallies.ts';

type Table = Readonly<Record<string, Message>>;

/** Each language's table of the pages' words and of the console's, against the English ones. */
const sets: Array<[string, Table, Array<[string, Table]>]> = [
  [
    'pages',
    en,
    [
      ['ru', ru],
      ['pt-BR', ptBR],
      ['es', es],
      ['de', de],
      ['fr', fr],
    ],
  ],
  [
    'console',
    consoleEn.en,
    [
      ['ru', consoleRu.ru],
      ['pt-BR', consolePtBR.ptBR],
      ['es', consoleEs.es],
      ['de', consoleDe.de],
      ['fr', consoleFr.fr],
    ],
  ],
];
const tables = sets.flatMap(([set, english, others]) =>
  others.map(([code, table]) => [`${code} (${set})`, code, table, english] as const),
);

function placeholders(m: Message): string[] {
  const text = typeof m === 'string' ? m : Object.values(m).join(' ');
  return [...new Set(text.match(/\{\w+\}/g) ?? [])].sort();
}

describe('message tables', () => {
  it.each(tables)('%s has exactly the English keys', (_name, _code, table, english) => {
    expect(Object.keys(table).sort()).toEqual(Object.keys(english).sort());
  });

  it.each(tables)('%s keeps every placeholder of each English message', (_name, _code, table, english) => {
    for (const key of Object.keys(english)) {
      expect(placeholders(table[key]!), key).toEqual(placeholders(english[key]!));
    }
  });

  it.each(tables)('%s has the plural forms its language needs', (_name, code, table) => {
    const rules = new Intl.PluralRules(code).resolvedOptions().pluralCategories;
    for (const [key, m] of Object.entries(table)) {
      if (typeof m === 'string') continue;
      // Every count must find its own form, or fall back to `other` on purpose (same text for every count).
      const forms = new Set(Object.values(m));
      if (forms.size === 1) continue;
      for (const r of rules) expect(m[r] ?? m.other, `${key}:${r}`).toBeTruthy();
      if (code === 'ru') expect(Object.keys(m).sort(), key).toEqual(['few', 'many', 'one', 'other']);
    }
  });

  it('gives every server error code a message', async () => {
    const { HttpErrorCode } = await import('../../shared/httpApi.ts');
    for (const code of Object.values(HttpErrorCode)) expect(en, code).toHaveProperty([`error.${code}`]);
  });

  it('says the bounds the code sets as the code has them, in every language', () => {
    // Words whose figure stands before a noun (its plural form would have to follow a constant)
    // say it outright: this holds them to the constant.
    const stated: Array<[string, 'pages' | 'console', number]> = [
      ['error.IMAGE_TOO_SMALL', 'pages', PHOTO_LIMITS.minSide],
      ['privacy.waiting', 'pages', WAITING_DAYS],
      ['console.bad.name', 'console', RALLY_TEXT_MAX],
      ['console.bad.city', 'console', RALLY_TEXT_MAX],
    ];
    for (const [key, set, figure] of stated) {
      const [, english, others] = sets.find(([name]) => name === set)!;
      for (const [code, table] of [['en', english] as const, ...others])
        expect(String(table[key]), `${code} ${key}`).toMatch(new RegExp(`(^|\\D)${figure}(\\D|$)`));
    }
  });

  it('keeps the console’s words, and only those, in the console’s tables', () => {
    const consoleKeys = Object.keys(consoleEn.en);
    expect(consoleKeys.length).toBeGreaterThan(100);
    for (const key of consoleKeys) expect(key).toMatch(/^(admin|console)\./);
    for (const key of Object.keys(en)) expect(key).not.toMatch(/^(admin|console)\./);
  });
});
