/** A registered rally's public details (`GET /api/rallies/:code`), asked once per page unless asked afresh. */
import type { PublicRally } from '../../shared/rallies.ts';
import { apiError } from './api.ts';

const asked = new Map<string, Promise<PublicRally | null>>();

/**
 * The rally's name, city, day and language, or null when the registry does not hold the code
 * (a free-form code, allowed in `EVENTS=open`: 204). Rejects with ApiError `UNKNOWN_EVENT` for
 * a code this server does not take (`EVENTS=listed`), and when the server cannot be reached or
 * fails; the next call then asks again. `fresh` asks the server again past any kept answer (a
 * page that stays open for hours learns an organiser's edit).
 */
export function rallyInfo(code: string, fresh = false): Promise<PublicRally | null> {
  let answer = fresh ? undefined : asked.get(code);
  if (!answer) {
    const url = `/api/rallies/${encodeURIComponent(code)}`;
    answer = fetch(url, fresh ? { cache: 'no-cache' } : {}).then(async (res) => {
      if (res.status === 204) return null;
      if (!res.ok) throw await apiError(res);
      return (await res.json()) as PublicRally;
    });
    const mine = answer;
    // A failed answer is forgotten, unless a later question has already replaced it.
    mine.catch(() => {
      if (asked.get(code) === mine) asked.delete(code);
    });
    asked.set(code, mine);
  }
  return answer;
}
