/**
 * Imported first by the pages that show the mosaic: starts the view start's download and
 * decoding before the rest of the page's code (PixiJS above all) is even evaluated.
 */
import { startView } from './snapshot.ts';

startView();
