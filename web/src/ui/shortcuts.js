// Keyboard shortcuts of every page:
//   /      focuses the global search field (#global-search)
//   g h    goes to the home page
//   Escape closes open disclosures (the `kanri:escape` event, see disclosure.js)
// Letters are ignored while the user types in a field, and with Ctrl, Alt or Meta held.
import { ESCAPE_EVENT } from './disclosure.js';

const SEQUENCE_MS = 1500;

function isTyping(target) {
  if (!(target instanceof Element)) return false;
  return target.isContentEditable || target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]') !== null;
}

export function installShortcuts(doc, win) {
  let pendingG = 0; // time of a lone "g", waiting for its second key

  doc.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      win.dispatchEvent(new CustomEvent(ESCAPE_EVENT));
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    if (isTyping(event.target)) return;

    if (event.key === '/') {
      const search = doc.getElementById('global-search');
      if (search) {
        event.preventDefault();
        search.focus();
        if (typeof search.select === 'function') search.select();
      }
      pendingG = 0;
      return;
    }
    if (event.key === 'g') {
      pendingG = event.timeStamp;
      return;
    }
    if (event.key === 'h' && pendingG && event.timeStamp - pendingG <= SEQUENCE_MS) {
      pendingG = 0;
      event.preventDefault();
      win.location.assign('/');
      return;
    }
    pendingG = 0;
  });
}
