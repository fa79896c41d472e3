// Alpine component `upload`: refuses, before sending, a file larger than the server takes.
//
//   <form x-data="upload" data-max-bytes="10485760" method="post" enctype="multipart/form-data">
//     <input type="file" name="file">
//     <p x-show="tooBig" x-cloak role="alert">…too large…</p>
//     <button type="submit">…</button>
//
// When a chosen file is larger than data-max-bytes (of the input, else of the form),
// `tooBig` is true and every submit button of the form is disabled; the server checks the
// size again in any case.
export function upload() {
  return {
    tooBig: false,

    init() {
      this._onChange = (event) => {
        if (event.target.matches('input[type="file"]')) this.check();
      };
      this._onSubmit = (event) => {
        if (this.tooBig) event.preventDefault();
      };
      this.$root.addEventListener('change', this._onChange);
      this.$root.addEventListener('submit', this._onSubmit);
      this.check();
    },

    destroy() {
      this.$root.removeEventListener('change', this._onChange);
      this.$root.removeEventListener('submit', this._onSubmit);
    },

    limitOf(input) {
      const raw = input.dataset.maxBytes || this.$root.dataset.maxBytes;
      const n = Number.parseInt(raw || '', 10);
      return Number.isFinite(n) && n > 0 ? n : Infinity;
    },

    check() {
      let tooBig = false;
      for (const input of this.$root.querySelectorAll('input[type="file"]')) {
        const limit = this.limitOf(input);
        const over = Array.from(input.files || []).some((file) => file.size > limit);
        input.setAttribute('aria-invalid', over ? 'true' : 'false');
        tooBig = tooBig || over;
      }
      this.tooBig = tooBig;
      for (const button of this.$root.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]')) {
        button.disabled = tooBig;
      }
    },
  };
}
