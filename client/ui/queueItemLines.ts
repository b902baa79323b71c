/** The lines that describe a waiting tile in the review queue and its larger view. */
import type { AdminQueueItem } from '../../shared/adminApi.ts';
import { hasKey, t } from '../i18n/index.ts';

/** Its number, rally, time and flags (with their reasons), in the current language. */
export function queueItemLines(item: AdminQueueItem): HTMLElement[] {
  const line = (cls: string, text: string) => {
    const el = document.createElement(cls === 'title' ? 'strong' : 'span');
    el.className = cls;
    el.textContent = text;
    return el;
  };
  const time = new Date(item.createdAt);
  const when = Number.isNaN(time.getTime())
    ? ''
    : new Intl.DateTimeFormat(document.documentElement.lang, {
        dateStyle: 'medium',
        timeStyle: 'short',
      }).format(time);
  const reasons = Object.entries(item.flagReasons ?? {})
    .map(([reason, n]) => {
      const key = `report.reason.${reason}`;
      return `${hasKey(key) ? t(key) : reason} (${n})`;
    })
    .join(', ');
  return [
    line('title', t('tile.title', { id: item.id })),
    line('rally', item.event ? t('tile.event', { event: item.event }) : t('tile.noEvent')),
    line('time', t('tile.time', { time: when })),
    line(
      item.flags > 0 ? 'flags' : 'flags none',
      item.flags > 0
        ? `${t('admin.flags', { n: item.flags })}${reasons ? `: ${reasons}` : ''}`
        : t('admin.noFlags'),
    ),
  ];
}
