// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Move focus to an error summary so screen-reader users hear it first. Again after the load when the page was
  // opened at a section (a refused form on the caseworker's screen answers at #plan): the browser's own jump to
  // the section comes then and would take the focus back to the body.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
    if (window.location.hash && document.readyState !== "complete") {
      window.addEventListener("load", function () {
        setTimeout(function () { if (document.activeElement === document.body) { summary.focus(); } }, 0);
      });
    }
  }
  // After an action the page says what happened (a flash). A live region that is there when the page loads is not
  // read out, so focus goes to the message; when the page was opened at a section (#plan after "Markér udført"),
  // the message moves to the top of that section first, where the person is looking and where Tab goes on.
  var flashes = document.querySelector(".flashes");
  if (flashes && !summary) {
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (target && !target.contains(flashes)) {
      // A row of a table or list (#r717 after "Mødt") cannot hold the message: it goes just above the table.
      var row = target.closest("tr, li");
      var block = row && (row.closest(".table-wrap") || row.closest("table, ul, ol"));
      var heading = target.querySelector("h1, h2, h3");
      if (block) { block.before(flashes); }
      else if (heading && heading.parentNode === target) { heading.after(flashes); }
      else { target.prepend(flashes); }
    }
    flashes.setAttribute("tabindex", "-1");
    // After the load: the browser's own jump to #section comes then and would take the focus back to the body.
    var focusMessage = function () { flashes.focus({ preventScroll: !!target }); };
    if (document.readyState === "complete") { focusMessage(); }
    else { window.addEventListener("load", function () { setTimeout(focusMessage, 0); }); }
  }
  // Buttons with data-confirm ask before submitting (e.g. cancelling a booking).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // Typing in a form keeps the session open (at most one request every five minutes): a caseworker writing a long
  // summary was signed out after an hour and lost it. If the session has ended already, say so above the form
  // before the text is sent into a refusal.
  var keepAlive = document.body.getAttribute("data-keep-alive");
  if (keepAlive && window.fetch) {
    var lastAsked = Date.now();
    var warned = false;
    document.addEventListener("input", function (event) {
      var form = event.target.closest && event.target.closest("form");
      if (!form || warned || Date.now() - lastAsked < 5 * 60 * 1000) { return; }
      lastAsked = Date.now();
      window.fetch(keepAlive, { credentials: "same-origin", redirect: "manual" }).then(function (response) {
        if (response.status === 204 || warned) { return; }
        warned = true;
        var alert = document.createElement("p");
        alert.className = "flash flash-error";
        alert.setAttribute("role", "alert");
        alert.textContent = document.body.getAttribute("data-keep-alive-lost");
        form.before(alert);
      }).catch(function () { lastAsked = Date.now() - 4 * 60 * 1000; });  // offline for a moment: again in a minute
    });
  }
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
