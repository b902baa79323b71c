/** The element ids the server's page, the overview preview and the page's code agree on. */

/** `<script type="application/json">` holding the view start (a big mosaic's page only). */
export const VIEW_START_ID = 'kiss-view';

/** The preview's layer of images inside `#board`. */
export const OVERVIEW_PREVIEW_ID = 'overview-preview';
