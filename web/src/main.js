// The browser code of every Kanri page: Tabler's look and its dropdowns/collapses/modals,
// htmx for partial page updates, Alpine (CSP build) for the few bits of local state.
//
// The server renders all content and dates; this file only wires behaviour. Everything
// here must run under `script-src 'self'`: no eval, no inline handlers, no injected <style>.
import '@tabler/core/dist/css/tabler.min.css';
import './kanri.css';

// Tabler's bundle of Bootstrap's components; importing it installs their data-API listeners
// (data-bs-toggle="dropdown" | "collapse" | "modal", data-bs-dismiss…).
import '@tabler/core/dist/js/tabler.esm.min.js';

import htmx from 'htmx.org';
import Alpine from '@alpinejs/csp';

import { sendCsrfToken } from './ui/csrf.js';
import { selection } from './ui/selection.js';
import { disclosure } from './ui/disclosure.js';
import { upload } from './ui/upload.js';
import { installShortcuts } from './ui/shortcuts.js';
import { installSwapFocus } from './ui/swap_focus.js';

// Set before htmx reads its configuration at DOMContentLoaded (module scripts run earlier).
htmx.config.allowEval = false;              // no hx-on / js: / eval'd filters (CSP)
htmx.config.allowScriptTags = false;        // swapped-in <script> would break the CSP anyway
htmx.config.includeIndicatorStyles = false; // it would inject a <style>; kanri.css has them
window.htmx = htmx;

sendCsrfToken(document);

Alpine.data('selection', selection);
Alpine.data('disclosure', disclosure);
Alpine.data('upload', upload);
installShortcuts(document, window);
installSwapFocus(document, window);

Alpine.start();
