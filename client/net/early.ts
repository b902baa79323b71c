/**
 * Imported first by the pages that show the mosaic: starts the snapshot's download and
 * decoding before the rest of the page's code (PixiJS above all) is even evaluated.
 */
import { startSnapshot } from './snapshot.ts';

startSnapshot();
