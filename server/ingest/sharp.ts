import { availableParallelism } from 'node:os';
import sharp from 'sharp';

// Uploads arrive as buffers: only the JPEG, PNG, WebP and HEIF/AVIF buffer loaders may run on them.
// SVG, PDF, TIFF, GIF, magick and every other loader are blocked. File loaders stay for the
// operator's own target picture (MOSAIC_TARGET, which may be the project's SVG), and the TIFF
// file loader for the server's own poster strips (server/print), which it writes itself.
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({
  operation: [
    'VipsForeignLoadJpegBuffer',
    'VipsForeignLoadPngBuffer',
    'VipsForeignLoadWebpBuffer',
    'VipsForeignLoadHeifBuffer',
    'VipsForeignLoadJpegFile',
    'VipsForeignLoadPngFile',
    'VipsForeignLoadWebpFile',
    'VipsForeignLoadSvgFile',
    'VipsForeignLoadTiffFile',
  ],
});
sharp.cache(false);
// Uploads already run side by side, one per libuv pool thread (4 unless UV_THREADPOOL_SIZE
// says otherwise), so libvips' own threads per image only pay off where cores outnumber
// them. On 2 cores, one thread per image took 7-17 % less CPU per photo than libvips'
// default of one per core (ingestPhoto, 4 photos at a time, A/B in one process).
const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
sharp.concurrency(Math.max(1, Math.floor(availableParallelism() / pool)));

export { sharp };
