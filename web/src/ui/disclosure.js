// Alpine component `disclosure`: a button that reveals a small form (a state transition's
// comment field, say).
//
//   <div x-data="disclosure">
//     <button type="button" data-disclosure-toggle @click="toggle" :aria-expanded="open">…</button>
//     <form x-show="open" x-cloak>…</form>
//   </div>
//
// Escape closes every open disclosure (shortcuts.js sends `kanri:escape`); when the focus
// was inside, it goes back to the toggle button so keyboard users are not stranded.
export const ESCAPE_EVENT = 'kanri:escape';

export function disclosure() {
  return {
    open: false,

    init() {
      // A form sent back with an error comes open (data-open="true").
      this.open = this.$root.dataset.open === 'true';
      this._onEscape = () => this.close();
      window.addEventListener(ESCAPE_EVENT, this._onEscape);
    },

    destroy() {
      window.removeEventListener(ESCAPE_EVENT, this._onEscape);
    },

    toggle() {
      this.open = !this.open;
      if (this.open) {
        // After Alpine has shown the form: put the caret in its first field.
        this.$nextTick(() => {
          const field = this.$root.querySelector('[x-show] :is(textarea, input:not([type="hidden"]), select)');
          if (field) field.focus();
        });
      }
    },

    close() {
      if (!this.open) return;
      const root = this.$root;
      const hadFocus = root.contains(document.activeElement);
      this.open = false;
      if (hadFocus) {
        const button = root.querySelector('[data-disclosure-toggle]');
        if (button) button.focus();
      }
    },
  };
}
