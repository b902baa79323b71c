import { describe, expect, it } from 'vitest';
import { KeptPages } from '../../server/http/compressed.ts';

describe('KeptPages', () => {
  it('shares one body and one set of compressed copies while a key holds the same bytes', () => {
    const pages = new KeptPages(4);
    const a = pages.get('/t/1|en', '<html>1</html>');
    expect(pages.get('/t/1|en', '<html>1</html>')).toBe(a);
    expect(a.body.toString()).toBe('<html>1</html>');
    // New bytes under the key: a new body and new copies (the old ones are never served for it).
    const b = pages.get('/t/1|en', '<html>1 changed</html>');
    expect(b).not.toBe(a);
    expect(b.compressed).not.toBe(a.compressed);
    expect(b.body.toString()).toBe('<html>1 changed</html>');
  });

  it('keeps at most its number of keys, letting the least recently asked for go first', () => {
    const pages = new KeptPages(2);
    const one = pages.get('1', 'one');
    const two = pages.get('2', 'two');
    expect(pages.get('1', 'one')).toBe(one); // 1 is now the most recent
    pages.get('3', 'three'); // 2 goes
    expect(pages.get('1', 'one')).toBe(one);
    expect(pages.get('2', 'two')).not.toBe(two);
  });
});
