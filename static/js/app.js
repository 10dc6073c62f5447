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
})();
