/**
 * Measures the duplicate check's Hamming threshold: pHash distances (through the real
 * ingest pipeline, so the attention crop is part of it) between a photo and its resized or
 * re-compressed copies, against distances between different photos.
 *
 * Photos: test/fixtures, or instead every JPEG/PNG in PHASH_PHOTOS (a folder) when set, e.g. the
 * sample photos in scikit-image's wheel (`pip download --no-deps scikit-image`, unzip its
 * skimage/data/). Each photo also gives four quarter crops, which are different pictures.
 * `npx tsx -e "import('./test/bench/phash.ts').then(m => m.run())"` or `npm run bench phash`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { phashDistance, phashOf } from '../../server/ingest/phash.ts';
import { ingestPhoto } from '../../server/ingest/pipeline.ts';
import { syntheticJpeg } from '../support/images.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures');

type Variant = [name: string, make: (src: Buffer) => Promise<Buffer>];

const jpeg = (q: number) => (img: Sharp) => img.jpeg({ quality: q }).toBuffer();
const scaled = (f: number, w: number) => sharp().resize({ width: Math.round(w * f) });

/** Copies that must count as the same photo. */
function sameVariants(width: number): Variant[] {
  return [
    ['jpeg q90', (s) => jpeg(90)(sharp(s).rotate())],
    ['jpeg q40', (s) => jpeg(40)(sharp(s).rotate())],
    ['jpeg q15', (s) => jpeg(15)(sharp(s).rotate())],
    ['webp q50', (s) => sharp(s).rotate().webp({ quality: 50 }).toBuffer()],
    ['png', (s) => sharp(s).rotate().png().toBuffer()],
    ['resize 50%', (s) => jpeg(85)(sharp(s).rotate().pipe(scaled(0.5, width)))],
    ['resize 75% q30', (s) => jpeg(30)(sharp(s).rotate().pipe(scaled(0.75, width)))],
    ['resize to 400 px', (s) => jpeg(80)(sharp(s).rotate().resize(400, 400, { fit: 'inside' }))],
    ['upscale 150%', (s) => jpeg(85)(sharp(s).rotate().pipe(scaled(1.5, width)))],
    [
      're-re-compressed x3',
      async (s) => jpeg(60)(sharp(await jpeg(60)(sharp(await jpeg(60)(sharp(s).rotate()))))),
    ],
  ];
}

/** Edits the check is not asked to catch, shown for information. */
const otherVariants: Variant[] = [
  ['brighter 15%', (s) => jpeg(85)(sharp(s).rotate().modulate({ brightness: 1.15 }))],
  ['greyscale', (s) => jpeg(85)(sharp(s).rotate().greyscale())],
  [
    'crop 5% each side',
    async (s) => {
      const { width = 0, height = 0 } = await sharp(s)
        .rotate()
        .toBuffer({ resolveWithObject: true })
        .then((r) => r.info);
      const dx = Math.round(width * 0.05);
      const dy = Math.round(height * 0.05);
      return jpeg(85)(
        sharp(s)
          .rotate()
          .extract({ left: dx, top: dy, width: width - 2 * dx, height: height - 2 * dy }),
      );
    },
  ],
  ['mirrored', (s) => jpeg(85)(sharp(s).rotate().flop())],
];

async function sources(): Promise<{ name: string; buf: Buffer }[]> {
  // The fixtures are a subset of scikit-image's samples: use one folder, not both.
  const dirs = [process.env.PHASH_PHOTOS ?? FIXTURES];
  const out: { name: string; buf: Buffer }[] = [];
  for (const dir of dirs)
    for (const f of readdirSync(dir).sort()) {
      if (!/\.(jpe?g|png)$/i.test(f) || f.startsWith('bomb')) continue;
      const buf = readFileSync(join(dir, f));
      const m = await sharp(buf).metadata();
      // Too small for ingest (shorter side < 200) after any crop: skip.
      // Below 256 px (the chessboards) the quarter crops are too small for ingest: skip.
      if (Math.min(m.width ?? 0, m.height ?? 0) < 256) continue;
      out.push({ name: f, buf: await sharp(buf).rotate().jpeg({ quality: 92 }).toBuffer() });
    }
  return out;
}

async function quarters(buf: Buffer): Promise<Buffer[]> {
  const { info } = await sharp(buf).toBuffer({ resolveWithObject: true });
  const w = Math.floor(info.width / 2);
  const h = Math.floor(info.height / 2);
  if (Math.min(w, h) < 200) return [];
  return Promise.all(
    [0, 1].flatMap((y) =>
      [0, 1].map((x) =>
        sharp(buf)
          .extract({ left: x * w, top: y * h, width: w, height: h })
          .jpeg()
          .toBuffer(),
      ),
    ),
  );
}

interface Sig {
  hash: string;
  rgb: readonly [number, number, number];
}

const sigOf = async (buf: Buffer, hideFaces = false): Promise<Sig> => {
  const p = await ingestPhoto(buf, { hideFaces });
  return { hash: phashOf(p.small), rgb: p.rgb };
};

/**
 * The largest difference of one channel of the mean colours. Printed to show why the check
 * does not also gate on colour: copies move it up to ~6, while the synthetic test photos
 * that collide on pHash differ by as little as 2.
 */
const colourDelta = (a: Sig, b: Sig) => Math.max(...a.rgb.map((v, i) => Math.abs(v - b.rgb[i]!)));

/** The signature of a variant, or null when ingest refuses it (e.g. halved below 200 px). */
async function variantSig(make: () => Promise<Buffer>): Promise<Sig | null> {
  try {
    return await sigOf(await make());
  } catch {
    return null;
  }
}

function histogram(label: string, ds: number[]): void {
  ds.sort((a, b) => a - b);
  const q = (p: number) => ds[Math.min(ds.length - 1, Math.floor(p * ds.length))];
  const bins = new Map<number, number>();
  for (const d of ds) bins.set(Math.floor(d / 2) * 2, (bins.get(Math.floor(d / 2) * 2) ?? 0) + 1);
  console.log(
    `${label}: n=${ds.length} min=${ds[0]} p1=${q(0.01)} p5=${q(0.05)} median=${q(0.5)} p95=${q(0.95)} max=${ds.at(-1)}`,
  );
  console.log(`  ${[...bins].map(([b, n]) => `${b}-${b + 1}:${n}`).join('  ')}`);
}

export async function run(): Promise<void> {
  const photos = await sources();
  console.log(`## pHash distances (64 bits) over ${photos.length} photos`);
  const same: number[] = [];
  const sameColour: number[] = [];
  const sameBy = new Map<string, number[]>();
  const other = new Map<string, number[]>();
  const distinctSigs: { name: string; sig: Sig }[] = [];
  const push = (m: Map<string, number[]>, k: string, d: number) => m.set(k, [...(m.get(k) ?? []), d]);
  for (const p of photos) {
    const base = await sigOf(p.buf);
    distinctSigs.push({ name: p.name, sig: base });
    const { width = 1000 } = await sharp(p.buf).metadata();
    for (const [name, make] of sameVariants(width)) {
      const v = await variantSig(() => make(p.buf));
      if (!v) continue;
      const d = phashDistance(base.hash, v.hash);
      if (d > 6) console.log(`  far copy: ${p.name}, ${name}: ${d}`);
      same.push(d);
      sameColour.push(colourDelta(base, v));
      push(sameBy, name, d);
    }
    for (const [name, make] of otherVariants) {
      const v = await variantSig(() => make(p.buf));
      if (v) push(other, name, phashDistance(base.hash, v.hash));
    }
    const hidden = await sigOf(p.buf, true);
    const hiddenCopy = await sigOf(await jpeg(40)(sharp(p.buf)), true);
    push(other, 'hide-faces, both re-compressed', phashDistance(hidden.hash, hiddenCopy.hash));
    const qs = await quarters(p.buf);
    for (const [i, q] of qs.entries()) distinctSigs.push({ name: `${p.name}#q${i}`, sig: await sigOf(q) });
  }
  const distinct: number[] = [];
  let closest = { d: 65, a: '', b: '' };
  for (let i = 0; i < distinctSigs.length; i++)
    for (let j = i + 1; j < distinctSigs.length; j++) {
      const a = distinctSigs[i]!;
      const b = distinctSigs[j]!;
      const d = phashDistance(a.sig.hash, b.sig.hash);
      distinct.push(d);
      if (d < closest.d) closest = { d, a: a.name, b: b.name };
      if (d <= 16) console.log(`  close pair: ${a.name} vs ${b.name}: ${d}`);
    }
  histogram('same photo, resized/re-compressed', same);
  for (const [name, ds] of sameBy)
    console.log(`  ${name.padEnd(22)} max ${Math.max(...ds)}  [${ds.join(' ')}]`);
  histogram('  their mean-colour delta (max channel, 0-255)', sameColour);
  histogram(`different photos (${distinctSigs.length} pictures incl. quarter crops)`, distinct);
  console.log(`  closest different pair: ${closest.a} vs ${closest.b} at ${closest.d}`);
  for (const [name, ds] of other) console.log(`  (not required) ${name.padEnd(32)} [${ds.join(' ')}]`);

  const synth = await Promise.all(
    Array.from({ length: 24 }, async (_, i) => sigOf(await syntheticJpeg(640, 480, i + 1))),
  );
  const sd: number[] = [];
  const sc: number[] = [];
  for (let i = 0; i < synth.length; i++)
    for (let j = i + 1; j < synth.length; j++) {
      const d = phashDistance(synth[i]!.hash, synth[j]!.hash);
      sd.push(d);
      if (d <= 6) sc.push(colourDelta(synth[i]!, synth[j]!));
    }
  histogram('test/support syntheticJpeg, different seeds (same layout, other colours)', sd);
  if (sc.length) histogram('  colour delta of those within 6 bits', sc);
  // JPEG quality 15 is past what any messenger or phone does; it is shown, not counted.
  const maxSame = Math.max(...[...sameBy].filter(([n]) => n !== 'jpeg q15').flatMap(([, ds]) => ds));
  console.log(
    `=> largest distance of a copy (q15 aside) ${maxSame}, smallest between different photos ${closest.d}: ` +
      `DUPLICATE_THRESHOLD t (duplicate when distance <= t) separates them for ${maxSame} <= t < ${closest.d}`,
  );
}
