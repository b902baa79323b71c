/**
 * The admin review queue: one row per waiting tile with its admin-only thumbnail (fetched
 * with the token and shown through a blob: URL, revoked when the row goes), its rally,
 * time and flags, a checkbox, and bulk Approve / Reject over the checked rows.
 * From the keyboard, as moderation tools do: A approves and R rejects the row that has the
 * focus, ↑/↓ (or K/J) move between rows, and after a decision the focus stays at the same
 * place in the list (on the row that took the decided one's place). Tiles that join the queue
 * while it is open join the end of the list by themselves (see {@link AdminQueue.follow}).
 */

import type { AdminQueueItem } from '../../shared/adminApi.ts';
import { onLanguageChange, t } from '../i18n/index.ts';
import { AdminPicture, decide, getQueue } from '../net/admin.ts';
import { adminErrorText, isUnauthorized, say } from './adminMessages.ts';
import { AdminReview } from './adminReview.ts';
import { byId } from './header.ts';
import { queueItemLines } from './queueItemLines.ts';

/** What the queue needs from the page: the token, and a way to sign out when it is refused. */
export interface AdminSession {
  token(): string | null;
  refused(err: unknown): void;
}

interface Row {
  item: AdminQueueItem;
  li: HTMLLIElement;
  box: HTMLInputElement;
  thumb: HTMLButtonElement;
  img: HTMLImageElement;
  meta: HTMLElement;
  actions: HTMLElement;
  picture: AdminPicture | null;
  /** No longer waiting: decided in another console, or deleted by its sender. */
  gone: boolean;
}

export class AdminQueue {
  private readonly rows = new Map<number, Row>();
  private readonly list = byId<HTMLUListElement>('queue');
  private readonly all = byId<HTMLInputElement>('select-all');
  private readonly msg = byId('queue-msg');
  private readonly buttons = [
    byId<HTMLButtonElement>('bulk-approve'),
    byId<HTMLButtonElement>('bulk-reject'),
  ];
  private readonly observer = new IntersectionObserver((entries) => this.visible(entries), {
    rootMargin: '300px',
  });
  private total = 0;
  private busy = false;
  /** A {@link follow} is asking for the queue. */
  private following = false;
  private readonly title = document.title;
  /** Counts the list's loads and decisions: an answer asked for before one is out of date. */
  private changes = 0;
  /** The live numbers' `queue.mark` the list was last brought up to date with. */
  private mark: number | null = null;

  private readonly review: AdminReview;

  constructor(private readonly session: AdminSession) {
    this.review = new AdminReview(session, {
      items: () => [...this.rows.values()].map((r) => r.item),
      gone: (id) => this.rows.get(id)?.gone === true,
      decide: (ids, verdict, tell) => this.decide(ids, verdict, tell),
      focusRow: (id) => {
        const row = (id !== null && this.rows.get(id)) || this.rows.values().next().value;
        (row ? row.box : byId('queue-title')).focus();
      },
    });
    this.all.addEventListener('change', () => {
      for (const r of this.rows.values()) r.box.checked = this.all.checked && !r.gone;
      this.tools();
    });
    byId('bulk-approve').addEventListener('click', () => void this.decide([...this.checked()], 'approve'));
    byId('bulk-reject').addEventListener('click', () => void this.decide([...this.checked()], 'reject'));
    byId('refresh').addEventListener('click', () => void this.load());
    this.list.addEventListener('keydown', (e) => this.key(e));
    onLanguageChange(() => {
      for (const r of this.rows.values()) this.describe(r);
      this.tools();
    });
  }

  /** Fetches the queue and shows it; rejects when the call fails (the caller says why). */
  async load(): Promise<void> {
    const token = this.session.token();
    if (!token) return;
    this.changes++;
    const q = await getQueue(token);
    this.dropAll();
    this.total = q.total;
    for (const item of q.items) this.add(item);
    if (!this.rows.size) {
      const li = document.createElement('li');
      li.className = 'queue-empty muted';
      li.dataset.i18n = 'admin.empty';
      li.textContent = t('admin.empty');
      this.list.append(li);
    }
    this.tools();
  }

  /**
   * The live panel says how the queue stands. Where its `mark` moved (a tile joined or left, even
   * where as many joined as left), asks for the queue again and adds the tiles that joined it
   * since at the end of the list, whatever their age (a tile hidden by flags is older than the
   * uploads around it): there a new row moves no row a moderator may be about to decide. Nothing happens while a decision is under way; the next
   * figures try again. Refresh puts the list back in order.
   *
   * A row whose tile the answer no longer holds was decided in another console (or deleted by its
   * sender): it stays where it is, so that no row moves, but without its photo or its buttons,
   * and says so; Refresh takes it out.
   */
  async follow(queue: { mark: number | null }): Promise<void> {
    const token = this.session.token();
    // No mark while the store does not answer: the list stays as it is until it does.
    const { mark } = queue;
    if (!token || this.busy || this.following || mark === null || mark === this.mark) return;
    this.following = true;
    try {
      if (!this.rows.size) {
        await this.load();
        this.mark = mark;
        const n = this.rows.size;
        if (n) say(this.msg, () => t('admin.arrivedN', { n }));
        return;
      }
      const asked = this.changes;
      const q = await getQueue(token);
      // A decision since: the answer may still hold the tiles it took out of the list.
      if (this.busy || asked !== this.changes) return;
      this.mark = mark;
      const fresh = q.items.filter((item) => !this.rows.has(item.id));
      for (const item of fresh) this.add(item);
      // A tile that left and came back (approved, then hidden by flags): its row waits again.
      const back = q.items.filter((item) => this.rows.get(item.id)?.gone);
      for (const item of back) this.revive(this.rows.get(item.id)!, item);
      this.total = q.total;
      // The answer holds the oldest waiting tiles (by id): a row up to its last that it lacks left.
      const held = new Set(q.items.map((i) => i.id));
      const last = q.items.length < q.total ? (q.items.at(-1)?.id ?? 0) : Number.POSITIVE_INFINITY;
      const gone = [...this.rows.values()].filter(
        (r) => !r.gone && r.item.id <= last && !held.has(r.item.id),
      );
      for (const r of gone) this.leave(r);
      // Said in the language of the moment (say calls it again when the language changes).
      const words = () =>
        [
          fresh.length ? t('admin.arrivedN', { n: fresh.length }) : '',
          back.length ? t('admin.backN', { n: back.length }) : '',
          gone.length ? t('admin.goneN', { n: gone.length }) : '',
        ]
          .filter(Boolean)
          .join(' ');
      if (fresh.length || back.length || gone.length) {
        say(this.msg, words);
        this.review.changed();
      }
      this.tools();
    } catch {
      // The panel's own status says when the server cannot be reached; Refresh says why.
    } finally {
      this.following = false;
    }
  }

  /** Drops every row and its blob URL (sign-out, reload). */
  clear(): void {
    this.review.close();
    this.dropAll();
    this.total = 0;
    this.mark = null;
    say(this.msg, null);
    this.tools();
  }

  private dropAll(): void {
    for (const id of [...this.rows.keys()]) this.drop(id);
    this.list.replaceChildren();
  }

  private *checked(): Generator<number> {
    for (const [id, r] of this.rows) if (r.box.checked && !r.gone) yield id;
  }

  /** The tile left the queue elsewhere: its row stays in place, without its photo or its buttons. */
  private leave(r: Row): void {
    r.gone = true;
    r.picture?.release();
    r.img.removeAttribute('src');
    this.observer.unobserve(r.li);
    r.box.checked = false;
    // Still focusable, so that the keys that move through the list go on working across it.
    r.box.setAttribute('aria-disabled', 'true');
    r.li.classList.add('gone');
    this.describe(r);
  }

  /** The tile waits again, where its row stands: its photo, its buttons and its figures return. */
  private revive(r: Row, item: AdminQueueItem): void {
    r.gone = false;
    r.item = item;
    r.picture = null;
    r.box.removeAttribute('aria-disabled');
    r.actions.querySelector('.item-gone')?.remove();
    r.li.classList.remove('gone');
    r.li.classList.toggle('flagged', item.flags > 0);
    this.describe(r);
    this.observer.observe(r.li);
  }

  private add(item: AdminQueueItem): void {
    const li = document.createElement('li');
    li.className = item.flags > 0 ? 'queue-item flagged' : 'queue-item';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.id = `pick-${item.id}`;
    box.setAttribute('aria-describedby', 'queue-keys');
    box.addEventListener('change', () => this.tools());
    box.addEventListener('click', (e) => {
      if (this.rows.get(item.id)?.gone) e.preventDefault();
    });
    const pick = document.createElement('label');
    pick.className = 'pick';
    pick.append(box);
    // The thumbnail opens the larger view: 96 px is too small to judge a photo by.
    const thumb = document.createElement('button');
    thumb.type = 'button';
    thumb.className = 'thumb';
    thumb.setAttribute('aria-keyshortcuts', 'V');
    thumb.addEventListener('click', () => this.review.open(item.id));
    const img = document.createElement('img');
    img.width = 96;
    img.height = 96;
    img.decoding = 'async';
    thumb.append(img);
    const meta = document.createElement('div');
    meta.className = 'item-meta';
    const actions = document.createElement('div');
    actions.className = 'item-actions';
    for (const verdict of ['approve', 'reject'] as const) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = verdict === 'approve' ? 'small' : 'small danger';
      b.setAttribute('aria-keyshortcuts', verdict === 'approve' ? 'A' : 'R');
      b.dataset.i18n = `admin.${verdict}`;
      b.textContent = t(`admin.${verdict}`);
      b.addEventListener('click', () => void this.decide([item.id], verdict));
      actions.append(b);
    }
    li.append(pick, thumb, meta, actions);
    const row: Row = { item, li, box, thumb, img, meta, actions, picture: null, gone: false };
    this.describe(row);
    this.rows.set(item.id, row);
    this.list.append(li);
    this.observer.observe(li);
  }

  /** The row's words: its number, rally, time and flags, in the current language. */
  private describe(r: Row): void {
    const { item } = r;
    r.box.setAttribute('aria-label', t('admin.select', { id: item.id }));
    r.thumb.setAttribute('aria-label', t('admin.view', { id: item.id }));
    r.img.alt = r.li.classList.contains('thumb-failed') ? t('admin.thumbFailed') : '';
    r.meta.replaceChildren(...queueItemLines(item));
    if (r.gone) {
      // In place of the buttons, which keep their room: the row keeps its height.
      const gone =
        r.actions.querySelector('.item-gone') ?? r.actions.appendChild(document.createElement('p'));
      gone.className = 'item-gone';
      gone.textContent = t('admin.gone');
      gone.setAttribute('title', t('admin.goneWhy'));
    }
  }

  private visible(entries: IntersectionObserverEntry[]): void {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      this.observer.unobserve(e.target);
      const row = [...this.rows.values()].find((r) => r.li === e.target);
      if (row) void this.thumbnail(row);
    }
  }

  /** Fetches the admin-only thumbnail with the token and shows it as a blob: URL. */
  private async thumbnail(r: Row): Promise<void> {
    const token = this.session.token();
    if (!token || r.picture) return;
    const picture = new AdminPicture(token, r.item.thumbUrl);
    r.picture = picture;
    try {
      r.img.src = await picture.ready;
    } catch (err) {
      if (picture.released) return;
      if (isUnauthorized(err)) this.session.refused(err);
      else this.failed(r);
    }
  }

  private failed(r: Row): void {
    r.li.classList.add('thumb-failed');
    this.describe(r);
  }

  /** Removes a row: stops its download and revokes its blob: URL. */
  private drop(id: number): void {
    const r = this.rows.get(id);
    if (!r) return;
    this.rows.delete(id);
    r.picture?.release();
    r.img.removeAttribute('src');
    this.observer.unobserve(r.li);
    r.li.remove();
  }

  /** The row that holds an element, and its place in the list. */
  private rowAt(el: Element | null): [Row, number] | null {
    const li = el?.closest('li.queue-item');
    if (!li) return null;
    const order = [...this.rows.values()];
    const i = order.findIndex((r) => r.li === li);
    return i < 0 ? null : [order[i]!, i];
  }

  private key(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const at = this.rowAt(e.target as Element);
    if (!at) return;
    const [row, i] = at;
    const order = [...this.rows.values()];
    // By key position, so that the keys work on any keyboard layout.
    switch (e.code) {
      case 'KeyA':
        if (!row.gone) void this.decide([row.item.id], 'approve');
        break;
      case 'KeyR':
        if (!row.gone) void this.decide([row.item.id], 'reject');
        break;
      case 'KeyV':
        if (!row.gone) this.review.open(row.item.id);
        break;
      case 'ArrowDown':
      case 'KeyJ':
        order[i + 1]?.box.focus();
        break;
      case 'ArrowUp':
      case 'KeyK':
        order[i - 1]?.box.focus();
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  private async decide(ids: number[], verdict: 'approve' | 'reject', tell?: HTMLElement): Promise<void> {
    const token = this.session.token();
    if (!token || !ids.length || this.busy) return;
    // Where the focus is in the list now: after the decision it goes to the same place.
    const place = this.rowAt(document.activeElement)?.[1] ?? null;
    this.busy = true;
    this.changes++;
    this.tools();
    try {
      const { done, skipped } = await decide(token, ids, verdict);
      for (const id of [...done, ...skipped]) this.drop(id);
      this.total = Math.max(0, this.total - done.length - skipped.length);
      const key = verdict === 'approve' ? 'admin.approvedN' : 'admin.rejectedN';
      const n = done.length;
      const k = skipped.length;
      const said = () => [t(key, { n }), k ? t('admin.skippedN', { n: k }) : ''].join(' ').trim();
      say(this.msg, said);
      if (tell) say(tell, said);
      if (![...this.rows.values()].some((r) => !r.gone)) await this.load();
      // A row's own button went with its row: keep keyboard users in the list.
      const lost = !document.activeElement || document.activeElement === document.body;
      if (lost || place !== null) {
        const order = [...this.rows.values()];
        const next = order[Math.min(place ?? 0, order.length - 1)];
        (next ? next.box : byId('refresh')).focus();
      }
    } catch (err) {
      if (isUnauthorized(err)) this.session.refused(err);
      else {
        say(this.msg, () => adminErrorText(err), true);
        if (tell) say(tell, () => adminErrorText(err), true);
      }
    } finally {
      this.busy = false;
      this.tools();
    }
  }

  /** Select-all state, the counts, and which buttons can act now. */
  private tools(): void {
    const n = [...this.checked()].length;
    const size = [...this.rows.values()].filter((r) => !r.gone).length;
    this.all.checked = size > 0 && n === size;
    this.all.indeterminate = n > 0 && n < size;
    this.all.disabled = size === 0;
    byId('queue-tools').hidden = size === 0;
    byId('selected-count').textContent = n ? t('admin.selected', { n }) : '';
    for (const b of this.buttons) b.disabled = this.busy || n === 0;
    for (const r of this.rows.values())
      for (const b of r.li.querySelectorAll('button')) b.disabled = this.busy || r.gone;
    // A console left in a background tab shows in its tab how many tiles wait.
    document.title = this.total > 0 ? `(${this.total}) ${this.title}` : this.title;
    const count = t('admin.waiting', { n: this.total });
    byId('queue-count').textContent =
      this.total > size && size > 0 ? `${count} · ${t('admin.showing', { shown: size })}` : count;
  }
}
