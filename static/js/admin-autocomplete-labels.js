"use strict";
// Names Django's autocomplete boxes (select2) after their field's <label>.
//
// select2 hides the <select> and names the box it draws after the selected text alone, so
// an empty box has no name at all for a screen reader (nor for axe-core). Django's
// admin/js/autocomplete.js starts select2 when the page is ready (jQuery runs its ready
// handlers from timers, which may come after the load event: hence the timer here too) and
// when a row is added; this runs after both. Without JavaScript there is no select2: the
// labelled <select> stays.
{
    const nameAfterLabel = function (select) {
        const box = select.nextElementSibling;
        const label = select.id && document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
        if (!label || !box || !box.classList.contains("select2")) {
            return;
        }
        if (!label.id) {
            label.id = `${select.id}-label`;
        }
        const rendered = box.querySelector(".select2-selection__rendered");
        const combobox = box.querySelector(".select2-selection");
        if (rendered) {
            rendered.setAttribute("aria-labelledby", label.id);
        }
        if (combobox) {
            const ids = rendered && rendered.id ? `${label.id} ${rendered.id}` : label.id;
            combobox.setAttribute("aria-labelledby", ids);
        }
    };
    const nameAll = function (root) {
        root.querySelectorAll("select.admin-autocomplete").forEach(nameAfterLabel);
    };
    window.addEventListener("load", () => {
        setTimeout(() => nameAll(document), 0);
    });
    document.addEventListener("formset:added", (event) => {
        setTimeout(() => nameAll(event.target), 0);
    });
}
