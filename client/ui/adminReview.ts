/**
 * The review queue's larger view: one waiting tile at 512 px (the list's 96 px thumbnail is too
 * small to judge a photo by), with its rally, time and flags, Approve and Reject, and the tiles
 * before and after it. From the keyboard, as in the list: A approves, R rejects, ← and → (or K
 * and J) move, Escape closes and puts the focus back on the tile's row. After a decision it shows
 * the tile that took the decided one's place, so a moderator goes through the queue photo by
 * photo; it closes when none is left.
 */
import type { AdminQueueItem } from '../../shared/adminApi.ts';
import { onLanguageChange, t } from '../i18n/index.ts';
import { AdminPicture } from '../net/admin.ts';
import { isUnauthorized, say } from './adminMessages.ts';
import type { AdminSession } from './adminQueue.ts';
import { byId } from './header.ts';
import { queueItemLines } from './queueItemLines.ts';

/** What the larger view needs from the list. */
export interface ReviewList {
  /** The tiles in the list, in its order. */
  items(): AdminQueueItem[];
  /** Decides, as the list's buttons do; says the outcome in `tell` too. */
  decide(ids: number[], verdict: 'approve' | 'reject', tell: HTMLElement): Promise<void>;
  /** The tile no longer waits: it was decided in another console, or deleted by its sender. */
  gone(id: number): boolean;
  /** Puts the focus on a tile's row (the first row when it is gone). */
  focusRow(id: number | null): void;
}

/** A tile's image, fetched ahead. */
interface Ahead {
  id: number;
  picture: AdminPicture;
}

export class AdminReview {
  private readonly dialog = byId<HTMLDialogElement>('review');
  private readonly img = byId<HTMLImageElement>('review-img');
  private readonly msg = byId('review-msg');
  private id: number | null = null;
  /** The image shown. */
  private picture: AdminPicture | null = null;
  private busy = false;
  /** The next tile's image, fetched while the current one is looked at. */
  private ahead: Ahead | null = null;

  constructor(
    private readonly session: AdminSession,
    private readonly list: ReviewList,
  ) {
    byId('review-approve').addEventListener('click', () => void this.decide('approve'));
    byId('review-reject').addEventListener('click', () => void this.decide('reject'));
    byId('review-prev').addEventListener('click', () => this.step(-1));
    byId('review-next').addEventListener('click', () => this.step(1));
    this.dialog.addEventListener('keydown', (e) => this.key(e));
    this.dialog.addEventListener('close', () => {
      const id = this.id;
      this.release(true);
      this.id = null;
      say(this.msg, null);
      this.list.focusRow(id);
    });
    onLanguageChange(() => {
      if (this.dialog.open) this.render();
    });
  }

  /** Shows the tile `id` of the list. */
  open(id: number): void {
    this.id = id;
    say(this.msg, null);
    this.show();
    if (!this.dialog.open) this.dialog.showModal();
  }

  /**
   * The list grew, or a tile in it was decided elsewhere: the place shown ("2 of 5") and Next
   * follow it, and a tile shown that no longer waits loses its photo and its buttons (the view
   * does not move on by itself: a key pressed just then would decide a tile not yet seen).
   */
  changed(): void {
    if (!this.dialog.open) return;
    if (this.id !== null && this.list.gone(this.id)) this.release();
    if (this.ahead && this.list.gone(this.ahead.id)) {
      this.ahead.picture.release();
      this.ahead = null;
    }
    this.render();
  }

  /** Closes the view (sign-out). */
  close(): void {
    if (this.dialog.open) this.dialog.close();
  }

  private item(): [AdminQueueItem, number, number] | null {
    const items = this.list.items();
    const at = items.findIndex((i) => i.id === this.id);
    return at < 0 ? null : [items[at]!, at, items.length];
  }

  private show(): void {
    this.release();
    const found = this.item();
    if (!found) return;
    this.render();
    if (!this.list.gone(found[0].id)) void this.load(found[0], found[1]);
  }

  /** The words, in the current language: the tile's lines, its place in the list, the buttons' state. */
  private render(): void {
    const found = this.item();
    if (!found) return;
    const [item, at, n] = found;
    byId('review-lines').replaceChildren(...queueItemLines(item));
    byId('review-at').textContent = t('admin.reviewAt', { at: at + 1, n });
    this.img.alt = t('tile.photoAlt', { id: item.id });
    const gone = this.list.gone(item.id);
    this.img.style.visibility = gone ? 'hidden' : '';
    if (gone) say(this.msg, () => `${t('admin.gone')}. ${t('admin.goneWhy')}`);
    const buttons = ['review-approve', 'review-reject', 'review-next', 'review-prev'].map((b) =>
      byId<HTMLButtonElement>(b),
    );
    buttons[0]!.disabled = buttons[1]!.disabled = gone;
    buttons[2]!.disabled = at === n - 1;
    buttons[3]!.disabled = at === 0;
    // A button disabled under the focus drops it to the page, out of reach of the view's keys.
    const focused = document.activeElement;
    if (this.dialog.open && (!this.dialog.contains(focused) || (focused as HTMLButtonElement).disabled))
      (buttons.find((b) => !b.disabled) ?? this.dialog).focus();
  }

  /** An admin-only image on its way, with the token. */
  private fetchImage(item: AdminQueueItem): AdminPicture | null {
    const token = this.session.token();
    return token ? new AdminPicture(token, item.imageUrl) : null;
  }

  /**
   * The 512 px image, shown through a blob: URL; then the next tile's is fetched ahead, since
   * after a decision the next tile is the one shown.
   */
  private async load(item: AdminQueueItem, at: number): Promise<void> {
    const picture = this.ahead?.id === item.id ? this.ahead.picture : this.fetchImage(item);
    if (this.ahead?.picture === picture) this.ahead = null;
    if (!picture) return;
    this.picture = picture;
    try {
      this.img.src = await picture.ready;
    } catch (err) {
      if (picture.released) return;
      if (isUnauthorized(err)) {
        this.session.refused(err);
        return;
      }
      this.img.alt = t('admin.thumbFailed');
      this.img.removeAttribute('src');
    }
    const next = this.list.items()[at + 1];
    if (next && this.ahead?.id !== next.id) {
      this.ahead?.picture.release();
      const ahead = this.fetchImage(next);
      this.ahead = ahead && { id: next.id, picture: ahead };
    }
  }

  /** Stops the image's download and revokes its blob: URL; `all` drops the one fetched ahead too. */
  private release(all = false): void {
    this.picture?.release();
    this.picture = null;
    this.img.removeAttribute('src');
    if (all) {
      this.ahead?.picture.release();
      this.ahead = null;
    }
  }

  private step(by: number): void {
    const found = this.item();
    const next = found ? this.list.items()[found[1] + by] : undefined;
    if (!next) return;
    this.id = next.id;
    say(this.msg, null);
    this.show();
  }

  private async decide(verdict: 'approve' | 'reject'): Promise<void> {
    const found = this.item();
    if (!found || this.busy || this.list.gone(found[0].id)) return;
    const [item, at] = found;
    this.busy = true;
    try {
      await this.list.decide([item.id], verdict, this.msg);
    } finally {
      this.busy = false;
    }
    if (!this.dialog.open) return;
    const items = this.list.items();
    // Still there: the decision failed, and the message says why.
    if (items.some((i) => i.id === item.id)) return this.render();
    // The waiting tile that took the decided one's place, else the nearest before it; a tile
    // decided in another console is passed over.
    const waits = (i: AdminQueueItem) => !this.list.gone(i.id);
    const next = items.slice(at).find(waits) ?? items.slice(0, at).findLast(waits);
    if (!next) return this.dialog.close();
    this.id = next.id;
    this.show();
  }

  private key(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    // By key position, so that the keys work on any keyboard layout.
    switch (e.code) {
      case 'KeyA':
        void this.decide('approve');
        break;
      case 'KeyR':
        void this.decide('reject');
        break;
      case 'ArrowLeft':
      case 'KeyK':
        this.step(-1);
        break;
      case 'ArrowRight':
      case 'KeyJ':
        this.step(1);
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
