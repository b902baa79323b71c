import sharp from 'sharp';

// Uploads arrive as buffers: only the JPEG, PNG, WebP and HEIF/AVIF buffer loaders may run on them.
// SVG, PDF, TIFF, GIF, magick and every other loader are blocked. File loaders stay for the
// operator's own target picture (MOSAIC_TARGET, which may be the project's SVG).
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
  ],
});
sharp.cache(false);

export { sharp };
