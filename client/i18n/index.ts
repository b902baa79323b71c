/**
 * One message table per language. Static markup names its text with `data-i18n="key"`
 * (and `data-i18n-attr="attr:key;attr:key"` for attributes); code calls `t(key, params)`.
 */
import { de } from './de.ts';
import { en, type Message, type MessageKey, type Messages } from './en.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';
import { ptBR } from './ptBR.ts';
import { ru } from './ru.ts';

export type { MessageKey } from './en.ts';

export const LANGUAGES = [
  { code: 'en', name: 'English', table: en as Messages },
  { code: 'ru', name: 'Русский', table: ru },
  { code: 'pt-BR', name: 'Português', table: ptBR },
  { code: 'es', name: 'Español', table: es },
  { code: 'de', name: 'Deutsch', table: de },
  { code: 'fr', name: 'Français', table: fr },
] as const;

export type LangCode = (typeof LANGUAGES)[number]['code'];

const STORAGE_KEY = 'kiss.lang';
let current: (typeof LANGUAGES)[number] = LANGUAGES[0];
const listeners = new Set<() => void>();

/** The best language for a list like navigator.languages: exact tag, then base language. */
export function pickLanguage(preferred: readonly string[]): LangCode {
  for (const p of preferred) {
    const exact = LANGUAGES.find((l) => l.code.toLowerCase() === p.toLowerCase());
    if (exact) return exact.code;
    const base = p.split('-')[0]!.toLowerCase();
    const byBase = LANGUAGES.find((l) => l.code.split('-')[0]!.toLowerCase() === base);
    if (byBase) return byBase.code;
  }
  return 'en';
}

function initialLanguage(): LangCode {
  const q = new URLSearchParams(location.search).get('lang');
  if (q && LANGUAGES.some((l) => l.code === q)) return q as LangCode;
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && LANGUAGES.some((l) => l.code === saved)) return saved as LangCode;
  } catch {
    // Storage can be off (private mode); the browser's languages decide then.
  }
  return pickLanguage(navigator.languages?.length ? navigator.languages : [navigator.language]);
}

export function language(): LangCode {
  return current.code;
}

export function setLanguage(code: LangCode, remember = true): void {
  current = LANGUAGES.find((l) => l.code === code) ?? LANGUAGES[0];
  document.documentElement.lang = current.code;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, current.code);
    } catch {
      // See initialLanguage.
    }
  }
  applyTranslations(document);
  for (const fn of listeners) fn();
}

/** Calls `fn` after every language change (for text built in code). */
export function onLanguageChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function pick(msg: Message, n: number | undefined, code: string): string {
  if (typeof msg === 'string') return msg;
  const rule = new Intl.PluralRules(code).select(n ?? 0);
  return msg[rule] ?? msg.other;
}

/** A translated message with `{name}` placeholders filled; `n` also picks the plural form. */
export function t(
  key: MessageKey,
  params: Record<string, string | number> = {},
  table: Messages = current.table,
): string {
  const n = typeof params.n === 'number' ? params.n : undefined;
  const shown: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    shown[k] = typeof v === 'number' ? new Intl.NumberFormat(current.code).format(v) : v;
  }
  return pick(table[key], n, current.code).replace(/\{(\w+)\}/g, (m, name: string) => shown[name] ?? m);
}

export function hasKey(key: string): key is MessageKey {
  return key in en;
}

/** Fills every `data-i18n` element and `data-i18n-attr` attribute under root. */
export function applyTranslations(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n!;
    if (hasKey(key)) el.textContent = t(key);
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr!.split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key && hasKey(key)) el.setAttribute(attr, t(key));
    }
  }
}

/** A labelled <select> that switches the language; it goes in every page's header. */
export function languageSwitch(): HTMLElement {
  const label = document.createElement('label');
  label.className = 'lang-switch';
  const span = document.createElement('span');
  span.className = 'visually-hidden';
  span.dataset.i18n = 'lang.label';
  span.textContent = t('lang.label');
  const select = document.createElement('select');
  for (const l of LANGUAGES) {
    const o = document.createElement('option');
    o.value = l.code;
    o.textContent = l.name;
    o.lang = l.code;
    select.append(o);
  }
  select.value = current.code;
  select.addEventListener('change', () => setLanguage(select.value as LangCode));
  onLanguageChange(() => {
    select.value = current.code;
  });
  label.append(span, select);
  return label;
}

/** Picks the language at page start and translates the static markup. */
export function initI18n(): void {
  setLanguage(initialLanguage(), false);
}
