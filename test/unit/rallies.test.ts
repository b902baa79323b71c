import { describe, expect, it } from 'vitest';
import {
  cookieLanguage,
  isRallyDate,
  isTimeZone,
  queueMark,
  queueMarkOf,
  queueMix,
  type RallyInput,
  rallyLinks,
  rallyProblem,
  rallyTitle,
} from '../../shared/rallies.ts';

const GOOD: RallyInput = {
  code: 'sao-paulo',
  name: 'Beijaço na Paulista',
  city: 'São Paulo',
  timeZone: 'America/Sao_Paulo',
  date: '2026-06-28',
  language: 'pt-BR',
  moderation: null,
};

describe('the rally registry rule', () => {
  it.each(['Europe/London', 'America/Sao_Paulo', 'Asia/Kolkata', 'UTC'])('takes the time zone %s', (tz) =>
    expect(isTimeZone(tz)).toBe(true),
  );
  it.each(['', 'Europe/Atlantis', 'GMT+25', 'x'.repeat(65), 42])('refuses the time zone %j', (tz) =>
    expect(isTimeZone(tz)).toBe(false),
  );
  it.each([
    ['2026-02-28', true],
    ['2028-02-29', true],
    ['2026-02-29', false],
    ['2026-13-01', false],
    ['26-05-17', false],
    ['2026-05-17T00:00', false],
  ])('reads %s as a day: %s', (d, ok) => expect(isRallyDate(d)).toBe(ok));

  it.each([
    [{}, 'code'],
    [{ code: 'london-' }, 'code'],
    [{ name: '' }, 'name'],
    [{ city: 'x'.repeat(81) }, 'city'],
    [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ date: '2026-6-1' }, 'date'],
    [{ language: 'pt' }, 'language'],
    [{ moderation: 'later' }, 'moderation'],
  ] as const)('names the first wrong field of %j', (change, field) => {
    const r = { ...GOOD, ...change } as Record<string, unknown>;
    if (Object.keys(change).length === 0) delete r.code;
    expect(rallyProblem(r)?.[0]).toBe(field);
  });

  it('takes a good rally, with or without its own moderation', () => {
    expect(rallyProblem(GOOD)).toBeNull();
    expect(rallyProblem({ ...GOOD, moderation: 'pre' })).toBeNull();
  });

  it('links a rally to its screen (in its language), viewer page, contribute page and flyers', () => {
    expect(rallyLinks('sao-paulo', 'pt-BR')).toEqual({
      screen: '/screen?event=sao-paulo&lang=pt-BR',
      view: '/?event=sao-paulo',
      contribute: '/add?event=sao-paulo',
      flyerA4: '/api/rallies/sao-paulo/flyer.pdf?size=A4',
      flyerA3: '/api/rallies/sao-paulo/flyer.pdf?size=A3',
    });
  });

  it('titles a rally by its name, adding its city only where the name does not say it', () => {
    expect(rallyTitle({ name: 'Kiss-in at the Russian embassy', city: 'Berlin' })).toBe(
      'Kiss-in at the Russian embassy, Berlin',
    );
    expect(rallyTitle({ name: 'Beijaço de São Paulo', city: 'são paulo' })).toBe('Beijaço de São Paulo');
    expect(rallyTitle({ name: 'ПОЦЕЛУЙ В МОСКВЕ', city: 'Москва' })).toBe('ПОЦЕЛУЙ В МОСКВЕ, Москва');
  });
});

describe("the queue's mark", () => {
  it('is a hash of the set of waiting ids, whatever their order', () => {
    expect(queueMark([9, 2, 40])).toBe(queueMark([2, 40, 9]));
    expect(queueMark([9, 2, 40])).toBe(queueMarkOf(3, queueMix(9) + queueMix(2) + queueMix(40)));
  });

  it('moves when a tile joins or leaves, even where as many join as leave', () => {
    const marks = new Set<number>();
    // Sets that sums of ids alone would not tell apart ({1,5,6} and {2,3,7}: same count, sum
    // and sum of squares), every set of up to three ids under 40, and the empty queue.
    for (let a = 1; a < 40; a++) {
      marks.add(queueMark([a]));
      for (let b = a + 1; b < 40; b++) {
        marks.add(queueMark([a, b]));
        for (let c = b + 1; c < 40; c++) marks.add(queueMark([a, b, c]));
      }
    }
    marks.add(queueMark([]));
    expect(marks.size).toBe(39 + (39 * 38) / 2 + (39 * 38 * 37) / 6 + 1);
    expect(queueMark([1, 5, 6])).not.toBe(queueMark([2, 3, 7]));
  });

  it('mixes every id into 32 bits, ids past 2^32 included', () => {
    for (const id of [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 40 + 1]) {
      const m = queueMix(id);
      expect(Number.isInteger(m) && m >= 0 && m < 2 ** 32).toBe(true);
    }
    expect(queueMix(1)).not.toBe(queueMix(2));
  });
});

describe('the language kept in a cookie', () => {
  it('reads kiss_lang among other cookies, only when it names one of the six', () => {
    expect(cookieLanguage('kiss_lang=ru')).toBe('ru');
    expect(cookieLanguage('kiss_client=abcdefghijklmnop; kiss_lang=pt-BR; theme=dark')).toBe('pt-BR');
    expect(cookieLanguage('a=1;kiss_lang=fr')).toBe('fr');
    expect(cookieLanguage('')).toBeUndefined();
    expect(cookieLanguage('kiss_lang=xx')).toBeUndefined();
    expect(cookieLanguage('kiss_lang=pt')).toBeUndefined();
    expect(cookieLanguage('kiss_lang=')).toBeUndefined();
    expect(cookieLanguage('other_kiss_lang=ru')).toBeUndefined();
  });
});
