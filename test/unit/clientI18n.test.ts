import { describe, expect, it } from 'vitest';
import { de } from '../../client/i18n/de.ts';
import { en, type Message, type Messages } from '../../client/i18n/en.ts';
import { es } from '../../client/i18n/es.ts';
import { fr } from '../../client/i18n/fr.ts';
import { ptBR } from '../../client/i18n/ptBR.ts';
import { ru } from '../../client/i18n/ru.ts';

const tables: Array<[string, Messages]> = [
  ['ru', ru],
  ['pt-BR', ptBR],
  ['es', es],
  ['de', de],
  ['fr', fr],
];

function placeholders(m: Message): string[] {
  const text = typeof m === 'string' ? m : Object.values(m).join(' ');
  return [...new Set(text.match(/\{\w+\}/g) ?? [])].sort();
}

describe('message tables', () => {
  it.each(tables)('%s has exactly the English keys', (_code, table) => {
    expect(Object.keys(table).sort()).toEqual(Object.keys(en).sort());
  });

  it.each(tables)('%s keeps every placeholder of each English message', (_code, table) => {
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect(placeholders(table[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it.each(tables)('%s has the plural forms its language needs', (code, table) => {
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
});
