/*
 * coachcare: the small bits of behaviour of the page frame (loaded on every page, no inline script).
 *
 * - Marks the document as having JavaScript (html.coachcare-js): only then does the phone menu
 *   collapse behind its button. Without JavaScript the menu simply stays open.
 * - The menu button: aria-expanded, Escape closes the menu and returns focus to the button.
 * - After a form came back with errors: the first field with an error receives focus (without the
 *   browser jumping), so keyboard and screen-reader users land where the problem is; the error
 *   summary at the top links to every field.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("coachcare-js");

  function setUpMenu() {
    var button = document.querySelector("[data-coachcare-menu-button]");
    if (!button) return;
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) return;
    button.hidden = false;
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("coachcare-menu--open", open);
    }
    set(false);
    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        set(false);
        button.focus();
      }
    });
  }

  function focusFirstError() {
    var summary = document.getElementById("error-summary");
    var control = document.querySelector(
      "main [aria-invalid='true'], main .utrecht-form-fieldset--invalid input, main .utrecht-form-field--invalid input, main .utrecht-form-field--invalid textarea, main .utrecht-form-field--invalid select"
    );
    if (!control) {
      if (summary) {
        summary.setAttribute("tabindex", "-1");
        summary.focus({ preventScroll: true });
        summary.scrollIntoView({ block: "start" });
      }
      return;
    }
    control.focus({ preventScroll: true });
    // Show the label and the error message above the control, not just the control.
    var field = control.closest(".utrecht-form-field, .utrecht-form-fieldset") || control;
    field.scrollIntoView({ block: "start" });
  }

  function ready() {
    setUpMenu();
    focusFirstError();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
