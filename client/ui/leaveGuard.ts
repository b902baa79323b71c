/**
 * While `busy()` holds (a photo being sent or waiting to be sent again, an import running),
 * leaving or reloading the page asks first, in the browser's own words.
 */
export function guardLeaving(busy: () => boolean): void {
  window.addEventListener('beforeunload', (e) => {
    if (!busy()) return;
    e.preventDefault();
    // Older browsers ask only when returnValue is set.
    e.returnValue = '';
  });
}
