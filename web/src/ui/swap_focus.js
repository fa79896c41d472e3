// After htmx replaces the main part of a page (a filtered or sorted list, the next page), the
// control that was clicked is gone: focus moves to the main region and the view to its top, so
// keyboard and screen-reader users land on the new content instead of at the end of the page.
export function installSwapFocus(doc, win) {
  doc.addEventListener('htmx:afterSwap', (event) => {
    const target = event.detail && event.detail.target;
    if (!target || target.id !== 'main') return;
    target.focus({ preventScroll: true });
    win.scrollTo({ top: 0 });
  });
}
