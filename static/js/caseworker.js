// Caseworker workspace: small progressive enhancements (the pages work without JavaScript).
(function () {
  "use strict";
  // Registering a conversation: show three agreement rows, reveal more on demand.
  var add = document.getElementById("add-agreement");
  if (add) {
    var hidden = Array.prototype.slice.call(document.querySelectorAll(".agreement.extra-row"));
    hidden.forEach(function (row) { row.classList.add("js-hidden"); });
    if (hidden.length) { add.hidden = false; }
    add.addEventListener("click", function () {
      var row = hidden.shift();
      if (row) {
        row.classList.remove("js-hidden");
        var input = row.querySelector("input");
        if (input) { input.focus(); }
      }
      if (!hidden.length) { add.hidden = true; }
    });
  }
  // Summary: a print button (the page has print styles).
  Array.prototype.forEach.call(document.querySelectorAll(".js-print"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
