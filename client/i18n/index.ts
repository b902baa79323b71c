/**
 * One message table per language. Static markup names its text with `data-i18n="key"`
 * (and `data-i18n-attr="attr:key;attr:key"` for attributes); code calls `t(key, params)`.
 *
 * Each table is a chunk of its own, fetched when its language is chosen: a page loads the words
 * of one language, not of six. The server names the likely one in each page's HTML as a
 * modulepreload (server/http/pageLanguage.ts), so it arrives beside the page's own script; a page
 * awaits `initI18n()` before it shows any text. The organisers' console's words (`admin.*`,
 * `console.*`) are a second table per language (./console/), which only the admin page loads.
 */
import { cookieLanguage, LANGUAGE_COOKIE } from '../../shared/rallies.ts';
import type { ConsoleKey, ConsoleMessages } from './console/en.ts';
import type { Message, Messages, PageKey } from './en.ts';

export type MessageKey = PageKey | ConsoleKey;
type Table = Partial<Record<MessageKey, Message>>;

/**
 * The page languages, each with the loaders of its tables (chunks named after the tables' files):
 * the pages' words, and the console's.
 */
export const LANGUAGES = [
  {
    code: 'en',
    name: 'English',
    load: () => import('./en.ts').then((m): Messages => m.en),
    loadConsole: () => import('./console/en.ts').then((m): ConsoleMessages => m.en),
  },
  {
    code: 'ru',
    name: 'Русский',
    load: () => import('./ru.ts').then((m) => m.ru),
    loadConsole: () => import('./console/ru.ts').then((m) => m.ru),
  },
  {
    code: 'pt-BR',
    name: 'Português',
    load: () => import('./ptBR.ts').then((m) => m.ptBR),
    loadConsole: () => import('./console/ptBR.ts').then((m) => m.ptBR),
  },
  {
    code: 'es',
    name: 'Español',
    load: () => import('./es.ts').then((m) => m.es),
    loadConsole: () => import('./console/es.ts').then((m) => m.es),
  },
  {
    code: 'de',
    name: 'Deutsch',
    load: () => import('./de.ts').then((m) => m.de),
    loadConsole: () => import('./console/de.ts').then((m) => m.de),
  },
  {
    code: 'fr',
    name: 'Français',
    load: () => import('./fr.ts').then((m) => m.fr),
    loadConsole: () => import('./console/fr.ts').then((m) => m.fr),
  },
] as const;

export type LangCode = (typeof LANGUAGES)[number]['code'];

const STORAGE_KEY = 'kiss.lang';
/** How long the language cookie lasts: a year, renewed by each choice. */
const COOKIE_MAX_AGE_S = 365 * 24 * 3600;
/** The language shown and its words; null until `initI18n()` has one. */
let current: { code: LangCode; table: Table } | null = null;
const listeners = new Set<() => void>();
/** Each language's words fetched or on their way; a failed fetch is forgotten, so that a later choice tries again. */
const tables = new Map<LangCode, Promise<Table>>();
/** Whether the page shows the console's words too (the admin page: see `initI18n`). */
let withConsole = false;
/** Counts the choices made: only the last one asked for is shown when its table arrives. */
let choices = 0;

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

/** The language kept by the switch in this browser (localStorage, else the cookie), if any. */
function keptLanguage(): LangCode | null {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be off (private mode); the cookie may still hold it.
  }
  return LANGUAGES.find((l) => l.code === saved)?.code ?? cookieLanguage(document.cookie) ?? null;
}

/**
 * Keeps `code` as this browser's language: in localStorage for its pages, and in a cookie for the
 * server, so that the next page's HTML names its words rather than those of the browser's
 * languages (a round trip fewer).
 */
function keep(code: LangCode): void {
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // See keptLanguage.
  }
  // Over HTTPS, never sent in the clear (a plain http:// address typed later, before its redirect).
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing from the Firefox and Safari versions still on phones; the value is one of six fixed codes.
  document.cookie = `${LANGUAGE_COOKIE}=${code}; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; SameSite=Lax${secure}`;
}

function initialLanguage(): LangCode {
  const q = new URLSearchParams(location.search).get('lang');
  if (q && LANGUAGES.some((l) => l.code === q)) return q as LangCode;
  const kept = keptLanguage();
  if (kept) {
    // A language kept before the cookie existed, or with its cookie expired: the server learns it now.
    if (cookieLanguage(document.cookie) !== kept) keep(kept);
    return kept;
  }
  return pickLanguage(navigator.languages?.length ? navigator.languages : [navigator.language]);
}

function tableOf(lang: (typeof LANGUAGES)[number]): Promise<Table> {
  let table = tables.get(lang.code);
  if (!table) {
    table = withConsole
      ? Promise.all([lang.load(), lang.loadConsole()]).then(([page, words]) => ({ ...page, ...words }))
      : lang.load();
    tables.set(lang.code, table);
    table.catch(() => tables.delete(lang.code));
  }
  return table;
}

export function language(): LangCode {
  return current?.code ?? 'en';
}

/**
 * Shows the page in `code` once its table is here (fetched the first time); false when it could
 * not be fetched (offline), or when another language was chosen meanwhile: the page stays as it is.
 */
export async function setLanguage(code: LangCode, remember = true): Promise<boolean> {
  const lang = LANGUAGES.find((l) => l.code === code) ?? LANGUAGES[0];
  const choice = ++choices;
  let table: Table;
  try {
    table = await tableOf(lang);
  } catch {
    return false;
  }
  if (choice !== choices) return false;
  current = { code: lang.code, table };
  document.documentElement.lang = lang.code;
  if (remember) keep(lang.code);
  applyTranslations(document);
  for (const [el, text] of spoken) {
    if (el.isConnected) el.textContent = text();
    else spoken.delete(el);
  }
  for (const fn of listeners) fn();
  return true;
}

/** The elements `sayIn` fills, each with how to say what it shows now. */
const spoken = new Map<HTMLElement, () => string>();

/**
 * Shows `text()` in `el`, and says it again in each language the page switches to; null empties
 * it. For text built in code: a message, an error, a title with a name in it. An element taken
 * out of the page is forgotten at the next switch.
 */
export function sayIn(el: HTMLElement, text: (() => string) | null): void {
  if (text) spoken.set(el, text);
  else spoken.delete(el);
  el.textContent = text ? text() : '';
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
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  if (!current) throw new Error(`t('${key}') before initI18n() has a language`);
  const { code, table } = current;
  const msg = table[key];
  if (msg === undefined)
    throw new Error(`t('${key}'): a word of the console, on a page that did not load them`);
  const n = typeof params.n === 'number' ? params.n : undefined;
  const shown: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    shown[k] = typeof v === 'number' ? new Intl.NumberFormat(code).format(v) : v;
  }
  return pick(msg, n, code).replace(/\{(\w+)\}/g, (m, name: string) => shown[name] ?? m);
}

/** Whether `key` names a message the page has (every language has the same keys; none before `initI18n()`). */
export function hasKey(key: string): key is MessageKey {
  return current !== null && key in current.table;
}

/** Fills every `data-i18n` element and `data-i18n-attr` attribute under root. */
export function applyTranslations(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) translate(el);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr!.split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key && hasKey(key)) el.setAttribute(attr, t(key));
    }
  }
}

/** How long arrow keys on the language switch rest before the page switches to the language they reached. */
const KEYED_SWITCH_SETTLE_MS = 600;
/** A change this soon after a key on the select was made by that key (the browser changes it at once). */
const KEY_CHANGE_MS = 100;

/** Runs `fn` `ms` after the last `start()`, unless cancelled first. */
function later(ms: number, fn: () => void): { start(): void; cancel(): void; pending(): boolean } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return {
    start() {
      cancel();
      timer = setTimeout(() => {
        timer = null;
        fn();
      }, ms);
    },
    cancel,
    pending: () => timer !== null,
  };
}

/** The values `withValues` gave `data-i18n` elements' placeholders. */
const placeholderValues = new WeakMap<HTMLElement, Record<string, string | number>>();

/** Fills a `data-i18n` element, its placeholders with the values `withValues` gave it. */
function translate(el: HTMLElement): void {
  const key = el.dataset.i18n!;
  if (hasKey(key)) el.textContent = t(key, placeholderValues.get(el));
}

/**
 * Gives the placeholders of a `data-i18n` element's text their values, in every language it is
 * shown in from now on: for static text that says a figure the code knows (a bound, a size).
 */
export function withValues(el: HTMLElement, values: Record<string, string | number>): void {
  placeholderValues.set(el, values);
  translate(el);
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
  select.value = language();
  const apply = async (): Promise<void> => {
    settle.cancel();
    select.setCustomValidity('');
    const asked = select.value as LangCode;
    // Even the language shown is asked for again (its words are here): a choice on its way, made
    // before this one, must not land after it.
    if ((await setLanguage(asked)) || asked !== select.value) return;
    // Its words could not be fetched (offline): the page stays in its language, and says why.
    select.value = language();
    select.setCustomValidity(t('lang.failed'));
    select.reportValidity();
  };
  // Arrow keys on the closed select change it one language at a time: the page switches once the
  // keys rest (or at Enter, or on leaving the select), not at each language passed on the way.
  const settle = later(KEYED_SWITCH_SETTLE_MS, apply);
  let keyAt = Number.NEGATIVE_INFINITY;
  select.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && settle.pending()) {
      // It confirms the language the arrows reached, rather than opening the list.
      e.preventDefault();
      void apply();
    } else keyAt = performance.now();
  });
  select.addEventListener('change', () => {
    if (performance.now() - keyAt < KEY_CHANGE_MS) settle.start();
    else void apply();
  });
  select.addEventListener('blur', () => {
    if (settle.pending()) void apply();
  });
  onLanguageChange(() => {
    select.value = language();
  });
  label.append(span, select);
  return label;
}

/**
 * Picks the language at page start, fetches its words and translates the static markup. A page
 * awaits it before showing text. When that table cannot be fetched the page falls back to English.
 * `console`: the page shows the organisers' console's words too, in every language it switches to.
 */
export async function initI18n(opts: { console?: boolean } = {}): Promise<void> {
  withConsole = opts.console === true;
  if (await setLanguage(initialLanguage(), false)) return;
  if (!current && !(await setLanguage('en', false))) throw new Error('the page’s words could not be fetched');
}
