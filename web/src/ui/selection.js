// Alpine component `selection`: row checkboxes of a list for a bulk action.
//
//   <form x-data="selection" …>
//     <input type="checkbox" data-select-all aria-label="…">         (header cell)
//     <input type="checkbox" name="ids" value="…">                   (one per row)
//     <button :disabled="none">…</button> <span x-text="count"></span>
//
// `count` is the number of checked rows, `none` is true when there are none. The header
// checkbox selects all or none and shows "some" as indeterminate. Rows swapped in or out by
// htmx are counted again. Templates need no event bindings; `toggleAll()` and `refresh()`
// exist for those that want them.
const ROW = 'input[type="checkbox"][name="ids"]';
const ALL = 'input[type="checkbox"][data-select-all]';

export function selection() {
  return {
    count: 0,
    total: 0,

    get none() {
      return this.count === 0;
    },

    init() {
      this._onChange = (event) => {
        if (event.target.matches(ALL)) this.setAll(event.target.checked);
        else if (event.target.matches(ROW)) this.refresh();
      };
      this._onSwap = () => this.refresh();
      this.$root.addEventListener('change', this._onChange);
      this.$root.addEventListener('htmx:afterSettle', this._onSwap);
      this.refresh();
    },

    destroy() {
      this.$root.removeEventListener('change', this._onChange);
      this.$root.removeEventListener('htmx:afterSettle', this._onSwap);
    },

    rows() {
      return Array.from(this.$root.querySelectorAll(ROW)).filter((box) => !box.disabled);
    },

    setAll(checked) {
      for (const box of this.rows()) box.checked = checked;
      this.refresh();
    },

    toggleAll() {
      this.setAll(this.count < this.total);
    },

    refresh() {
      const rows = this.rows();
      this.total = rows.length;
      this.count = rows.filter((box) => box.checked).length;
      for (const header of this.$root.querySelectorAll(ALL)) {
        header.checked = this.total > 0 && this.count === this.total;
        header.indeterminate = this.count > 0 && this.count < this.total;
      }
    },
  };
}
