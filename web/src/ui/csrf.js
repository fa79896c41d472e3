// Every htmx request carries the session's CSRF token in X-CSRF-Token, read from
// <meta name="csrf-token" content="…"> at the time of the request (a swap may renew it).
// Pages without the meta tag (the sign-in form) send no header.
export function sendCsrfToken(doc) {
  doc.addEventListener('htmx:configRequest', (event) => {
    const meta = doc.querySelector('meta[name="csrf-token"]');
    const token = meta && meta.getAttribute('content');
    if (token) event.detail.headers['X-CSRF-Token'] = token;
  });
}
