import { describe, expect, it } from 'vitest';
import { PHOTO_LIMITS, photoShapeProblem } from '../../shared/photoShape.ts';

describe("a photo's shape", () => {
  it.each([
    [1600, 1200, null],
    [200, 200, null],
    [800, 200, null],
    [200, 800, null],
    [199, 1000, 'IMAGE_TOO_SMALL'],
    [150, 150, 'IMAGE_TOO_SMALL'],
    [801, 200, 'BAD_ASPECT_RATIO'],
    [400, 1601, 'BAD_ASPECT_RATIO'],
    [8000, 6251, 'TOO_MANY_PIXELS'],
  ])('%i x %i: %s', (w, h, code) => expect(photoShapeProblem(w, h)).toBe(code));

  it('takes other limits, as a test server or an import may set them', () => {
    expect(photoShapeProblem(100, 100, { ...PHOTO_LIMITS, minSide: 50 })).toBeNull();
    expect(photoShapeProblem(1000, 100, { ...PHOTO_LIMITS, minSide: 50, maxAspect: 10 })).toBeNull();
  });
});
