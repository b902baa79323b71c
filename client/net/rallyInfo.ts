/** A registered rally's public details (`GET /api/rallies/:code`), asked once per page. */
import type { PublicRally } from '../../shared/rallies.ts';
import { apiError } from './api.ts';

const asked = new Map<string, Promise<PublicRally | null>>();

/**
 * The rally's name, city, day and language, or null when the registry does not hold the code
 * (a free-form code, allowed in `EVENTS=open`: 204). Rejects with ApiError `UNKNOWN_EVENT` for
 * a code this server does not take (`EVENTS=listed`), and when the server cannot be reached or
 * fails; the next call then asks again.
 */
export function rallyInfo(code: string): Promise<PublicRally | null> {
  let answer = asked.get(code);
  if (!answer) {
    answer = fetch(`/api/rallies/${encodeURIComponent(code)}`).then(async (res) => {
      if (res.status === 204) return null;
      if (!res.ok) throw await apiError(res);
      return (await res.json()) as PublicRally;
    });
    answer.catch(() => asked.delete(code));
    asked.set(code, answer);
  }
  return answer;
}
