import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressLog } from '../../server/http/progressLog.ts';

describe('progress of a long export', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    [1000, 11],
    [4096, 11],
    [999, 0],
    [10, 0],
  ])('over %i tiles logs %i lines, one per tenth', (total, lines) => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const progress = progressLog('export.zip', total);
    for (let done = 0; done <= total; done++) progress(done);
    expect(log).toHaveBeenCalledTimes(lines);
    if (lines) {
      expect(log.mock.calls[5]![0]).toMatch(
        new RegExp(`^export\\.zip: 50% \\(${total / 2}/${total} tiles, \\d+\\.\\d s\\)$`),
      );
      expect(log.mock.calls[10]![0]).toMatch(/^export\.zip: 100% /);
    }
  });
});
