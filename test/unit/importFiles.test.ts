import { describe, expect, it } from 'vitest';
import { summary } from '../../scripts/import/importReport.ts';
import { hasPhotoExtension, isZipName, looksLikePhoto, outcomeOf } from '../../shared/importFiles.ts';
import { reportCsv } from '../../shared/importReport.ts';

const bytes = (...xs: (number | string)[]) =>
  new Uint8Array(xs.flatMap((x) => (typeof x === 'string' ? [...x].map((c) => c.charCodeAt(0)) : [x])));

describe('what the import sends', () => {
  it.each([
    ['a.jpg', true],
    ['day1/B.JPEG', true],
    ['x.heic', true],
    ['x.webp', true],
    ['notes.txt', false],
    ['photo.jpg.exe', false],
    ['folder.jpg/readme', false],
    ['noextension', false],
  ])('%s has a photo ending: %s', (name, want) => {
    expect(hasPhotoExtension(name)).toBe(want);
  });

  it.each([
    ['JPEG', bytes(0xff, 0xd8, 0xff, 0xe0), true],
    ['PNG', bytes(0x89, 'PNG\r\n', 0x1a, '\n', 0, 0, 0, 13), true],
    ['WebP', bytes('RIFF', 0, 0, 0, 0, 'WEBPVP8 '), true],
    ['AVIF/HEIC (ftyp box)', bytes(0, 0, 0, 0x1c, 'ftypavif'), true],
    ['HTML', bytes('<html><body>'), false],
    ['GIF', bytes('GIF89a', 0, 0, 0, 0, 0, 0), false],
    ['empty', bytes(), false],
  ])('%s looks like a photo: %s', (_, head, want) => {
    expect(looksLikePhoto(head)).toBe(want);
  });

  it('opens ZIPs by name', () => {
    expect(isZipName('booth.ZIP')).toBe(true);
    expect(isZipName('booth.zip.jpg')).toBe(false);
  });
});

describe('the import report', () => {
  const rows = [
    { file: 'a.jpg', outcome: { status: 'imported' as const, id: 3 } },
    {
      file: 'b, "quoted".jpg',
      outcome: {
        status: 'refused' as const,
        code: 'CORRUPT_IMAGE',
        message: 'The file is damaged, "truncated".',
      },
    },
    { file: '=cmd.jpg', outcome: { status: 'skipped' as const, id: 2 } },
  ];

  it('writes CSV with quoting, and defuses a spreadsheet formula in a name', () => {
    expect(reportCsv(rows)).toBe(
      'file,status,code,message,tile\n' +
        'a.jpg,imported,,,3\n' +
        '"b, ""quoted"".jpg",refused,CORRUPT_IMAGE,"The file is damaged, ""truncated"".",\n' +
        "'=cmd.jpg,skipped,,,2\n",
    );
  });

  it('sums up the counts, then each refused file with its code', () => {
    expect(summary(rows, { imported: 1, pending: 0, skipped: 1, refused: 1 }, null)).toBe(
      'Imported: 1\nSkipped (imported before): 1\nRefused: 1\n  b, "quoted".jpg: CORRUPT_IMAGE: The file is damaged, "truncated".',
    );
  });
});

describe('what an answer means for the file', () => {
  const now = 1_000_000;
  it("counts a skip as this run's import when the tile is younger than the try whose answer was lost", () => {
    // The lost try began 5 s ago; the tile is 4.8 s old: that try made it.
    expect(outcomeOf({ status: 'skipped', id: 7, ageMs: 4_800 }, now - 5_000, now)).toEqual({
      status: 'imported',
      id: 7,
    });
    expect(outcomeOf({ status: 'skipped', id: 7, ageMs: 5_000, pending: true }, now - 5_000, now)).toEqual({
      status: 'pending',
      id: 7,
    });
  });

  it('keeps a skip as imported before otherwise', () => {
    // Older than the lost try: an earlier import made it.
    expect(outcomeOf({ status: 'skipped', id: 7, ageMs: 5_001 }, now - 5_000, now)).toEqual({
      status: 'skipped',
      id: 7,
    });
    // No try was lost, or the server could not say the tile's age (removed since).
    expect(outcomeOf({ status: 'skipped', id: 7, ageMs: 10 }, null, now)).toEqual({
      status: 'skipped',
      id: 7,
    });
    expect(outcomeOf({ status: 'skipped', id: 7 }, now - 5_000, now)).toEqual({ status: 'skipped', id: 7 });
  });

  it('passes imported and pending answers on as they are', () => {
    expect(outcomeOf({ status: 'imported', id: 3, col: 1, row: 2, seq: 9 }, now - 5_000, now)).toEqual({
      status: 'imported',
      id: 3,
    });
    expect(outcomeOf({ status: 'pending', id: 4 }, null, now)).toEqual({ status: 'pending', id: 4 });
  });
});
