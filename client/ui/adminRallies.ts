/**
 * The rally registry in the admin: the list with each rally's links (screen, contribute page,
 * A4 and A3 flyers) and a form to create or edit one. Fields are checked with the same rule
 * as the server's (shared/rallies.ts) before they are sent.
 */

import type { MosaicInfo } from '../../shared/httpApi.ts';
import {
  RALLY_LANGUAGES,
  RALLY_TEXT_MAX,
  type Rally,
  type RallyInput,
  type RallyLanguage,
  rallyProblem,
} from '../../shared/rallies.ts';
import { normaliseEventCode } from '../../shared/rally.ts';
import { shareOrigin } from '../../shared/siteAddress.ts';
import { LANGUAGES, language, type MessageKey, onLanguageChange, sayIn, t } from '../i18n/index.ts';
import { listRallies, saveRally } from '../net/admin.ts';
import { ApiError } from '../net/api.ts';
import { adminErrorText, isUnauthorized, say } from './adminMessages.ts';
import type { AdminSession } from './adminQueue.ts';
import { byId } from './header.ts';

const langName = (code: RallyLanguage) => LANGUAGES.find((l) => l.code === code)?.name ?? code;

function link(href: string, key: MessageKey, name: string): HTMLAnchorElement {
  const a = document.createElement('a');
  a.href = href;
  a.className = 'btn small';
  a.target = '_blank';
  a.rel = 'noopener';
  a.textContent = t(key);
  a.setAttribute('aria-label', `${t(key)}: ${name}`);
  return a;
}

export class AdminRallies {
  private rallies: Rally[] = [];
  private editing: string | null = null;
  private readonly form = byId<HTMLFormElement>('rally-form');
  private readonly msg = byId('rally-msg');
  private readonly formMsg = byId('rally-form-msg');

  constructor(
    private readonly session: AdminSession,
    mosaic: Promise<Pick<MosaicInfo, 'publicUrl'>>,
  ) {
    for (const f of ['name', 'city']) (this.field(f) as HTMLInputElement).maxLength = RALLY_TEXT_MAX;
    const lang = byId<HTMLSelectElement>('rally-language');
    lang.replaceChildren(...RALLY_LANGUAGES.map((c) => new Option(langName(c), c)));
    const zones =
      (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
    byId('time-zones').replaceChildren(...zones.map((z) => new Option(z)));
    byId('rally-new').addEventListener('click', () => this.edit(null));
    byId('rally-cancel').addEventListener('click', () => this.closeForm());
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    this.form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.closeForm();
    });
    onLanguageChange(() => this.render());
    // Flyers and screens take the server's public address when it has one, else this page's.
    void mosaic
      .then((m) => shareOrigin(m.publicUrl, location.origin))
      .then(({ origin, unreachable }) => {
        if (!unreachable) return;
        const tell = () => {
          byId('rallies-local').textContent = t('console.ralliesLocal', { origin });
        };
        tell();
        onLanguageChange(tell);
      })
      .catch(() => {});
  }

  async load(): Promise<void> {
    const token = this.session.token();
    if (!token) return;
    this.rallies = await listRallies(token);
    this.render();
  }

  clear(): void {
    this.rallies = [];
    this.closeForm();
    this.render();
  }

  private field(name: string): HTMLInputElement | HTMLSelectElement {
    return this.form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
  }

  private edit(code: string | null): void {
    const r = code ? this.rallies.find((x) => x.code === code) : undefined;
    this.editing = r?.code ?? null;
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const values: Record<string, string> = r
      ? {
          code: r.code,
          name: r.name,
          city: r.city,
          timeZone: r.timeZone,
          date: r.date,
          language: r.language,
          moderation: r.moderation ?? '',
        }
      : // A new rally starts in the console's own time zone and language.
        { code: '', name: '', city: '', timeZone: tz, date: '', language: language(), moderation: '' };
    for (const f of ['code', 'name', 'city', 'timeZone', 'date', 'language', 'moderation']) {
      this.field(f).value = values[f] ?? '';
      this.field(f).removeAttribute('aria-invalid');
    }
    (this.field('code') as HTMLInputElement).readOnly = !!r;
    sayIn(byId('rally-form-title'), () =>
      r ? t('console.editTitle', { code: r.code }) : t('console.rallyNew'),
    );
    say(this.formMsg, null);
    this.form.hidden = false;
    (r ? this.field('name') : this.field('code')).focus();
  }

  private closeForm(): void {
    const wasOpen = !this.form.hidden;
    this.form.hidden = true;
    const back = this.editing;
    this.editing = null;
    if (wasOpen) (document.querySelector<HTMLElement>(`[data-edit="${back}"]`) ?? byId('rally-new')).focus();
  }

  private async save(): Promise<void> {
    const input: RallyInput = {
      code: normaliseEventCode(this.field('code').value),
      name: this.field('name').value.trim(),
      city: this.field('city').value.trim(),
      timeZone: this.field('timeZone').value.trim(),
      date: this.field('date').value,
      language: this.field('language').value as RallyLanguage,
      moderation: (this.field('moderation').value || null) as RallyInput['moderation'],
    };
    for (const f of ['code', 'name', 'city', 'timeZone', 'date'])
      this.field(f).removeAttribute('aria-invalid');
    const problem = rallyProblem(input);
    if (problem) {
      const [f] = problem;
      this.field(f).setAttribute('aria-invalid', 'true');
      say(this.formMsg, () => t(`console.bad.${f}` as MessageKey), true);
      this.field(f).focus();
      return;
    }
    const token = this.session.token();
    if (!token) return;
    try {
      const saved = await saveRally(token, input, this.editing !== null);
      say(this.formMsg, null);
      this.form.hidden = true;
      this.editing = null;
      await this.load();
      say(this.msg, () => t('console.saved', { code: saved.code }));
      document.querySelector<HTMLElement>(`[data-edit="${saved.code}"]`)?.focus();
    } catch (err) {
      if (isUnauthorized(err)) this.session.refused(err);
      else if (err instanceof ApiError && err.code === 'RALLY_EXISTS') {
        this.field('code').setAttribute('aria-invalid', 'true');
        say(this.formMsg, () => t('error.RALLY_EXISTS'), true);
        this.field('code').focus();
      } else say(this.formMsg, () => adminErrorText(err), true);
    }
  }

  private render(): void {
    // Offered in every field that takes a rally code (import, video, takedown).
    byId('rally-codes').replaceChildren(
      ...this.rallies.map((r) => {
        const o = document.createElement('option');
        o.value = r.code;
        o.label = `${r.name} · ${r.city}`;
        return o;
      }),
    );
    const list = byId('rally-list');
    if (!this.rallies.length) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = t('console.noRallies');
      list.replaceChildren(li);
      return;
    }
    list.replaceChildren(...this.rallies.map((r) => this.item(r)));
  }

  private item(r: Rally): HTMLLIElement {
    const li = document.createElement('li');
    li.className = 'rally-item';
    const head = document.createElement('div');
    head.className = 'rally-head';
    const name = document.createElement('strong');
    name.textContent = r.name;
    const code = document.createElement('span');
    code.className = 'tag';
    code.textContent = r.code;
    head.append(name, code);
    const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(
      new Date(`${r.date}T00:00:00Z`),
    );
    const meta = document.createElement('p');
    meta.className = 'muted';
    const mod =
      r.moderation === 'pre'
        ? 'console.modPre'
        : r.moderation === 'post'
          ? 'console.modPost'
          : 'console.modDefault';
    meta.textContent = [
      r.city,
      when,
      r.timeZone,
      langName(r.language),
      `${t('console.fieldModeration')}: ${t(mod)}`,
    ].join(' · ');
    const links = document.createElement('div');
    links.className = 'rally-links';
    const edit = document.createElement('button');
    edit.type = 'button';
    edit.className = 'small';
    edit.dataset.edit = r.code;
    edit.textContent = t('console.edit');
    edit.setAttribute('aria-label', t('console.editLabel', { name: r.name }));
    edit.addEventListener('click', () => this.edit(r.code));
    links.append(
      link(r.links.screen, 'console.linkScreen', r.name),
      link(r.links.view, 'console.linkView', r.name),
      link(r.links.contribute, 'console.linkContribute', r.name),
      link(r.links.flyerA4, 'console.flyerA4', r.name),
      link(r.links.flyerA3, 'console.flyerA3', r.name),
      edit,
    );
    li.append(head, meta, links);
    return li;
  }
}
