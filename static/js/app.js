// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Move focus to an error summary so screen-reader users hear it first.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
  // Buttons with data-confirm ask before submitting (e.g. cancelling a booking).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // Phones: the main menu folds behind a "Menu" button and takes one row; it opens below the button.
  var nav = document.querySelector(".main-nav");
  var toggle = nav && nav.querySelector(".nav-toggle");
  if (toggle) {
    var narrow = window.matchMedia("(max-width: 40rem)");
    var current = nav.querySelector('[aria-current="page"]');
    if (current) { toggle.textContent = toggle.textContent + " · " + current.textContent.trim(); }
    var apply = function () {
      toggle.hidden = !narrow.matches;
      nav.classList.toggle("enhanced", narrow.matches);
      nav.classList.toggle("folded", narrow.matches && toggle.getAttribute("aria-expanded") !== "true");
    };
    toggle.addEventListener("click", function () {
      toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
      apply();
    });
    narrow.addEventListener("change", apply);
    apply();
  }
})();
