// The chat widget (member side) and the live transcript in the caseworker's handoff view.
// Without JavaScript both still work: the widget's form posts to /chat/samtale and the page re-renders.
// All message text is inserted with textContent, never as HTML.
(function () {
  "use strict";
  // While a person has the chat (handed off) the widget asks for new messages every 3 s. While the bot has it,
  // nothing arrives that the member did not ask for (the bot answers her own message at once; every message a
  // caseworker or the system writes belongs to a handoff), so it asks every 30 s, and at once when the tab is shown
  // again: an idle Min side sends a tenth of the requests it did (issue 19).
  var POLL_MS = 3000;
  var IDLE_POLL_MS = 30000;

  function who(el, sender, author) {
    var map = { user: el.dataset.you, bot: el.dataset.bot, caseworker: el.dataset.staff, system: el.dataset.system };
    var label = map[sender] || el.dataset.system;
    return author ? label + ": " + author : label;
  }

  // "14:37" in Copenhagen, as the server writes it on the caseworker's transcript.
  function localTime(iso) {
    try {
      var parts = new Intl.DateTimeFormat("da-DK", { hour: "2-digit", minute: "2-digit", hourCycle: "h23",
                                                      timeZone: "Europe/Copenhagen" }).formatToParts(new Date(iso));
      var get = function (type) { return (parts.filter(function (p) { return p.type === type; })[0] || {}).value; };
      return get("hour") + ":" + get("minute");
    } catch (e) { return ""; }
  }

  function appendMessage(log, labels, message) {
    var li = document.createElement("li");
    li.className = "chat-msg chat-msg-" + message.sender;
    var name = document.createElement("span");
    name.className = "chat-who";
    name.textContent = who(labels, message.sender, message.author);
    if (labels.dataset.withTime && message.at) {
      var time = document.createElement("time");
      time.setAttribute("datetime", message.at);
      time.textContent = localTime(message.at);
      name.appendChild(document.createTextNode(" · "));
      name.appendChild(time);
    }
    var text = document.createElement("p");
    text.className = "chat-text";
    text.textContent = message.text;
    // What a member of staff wrote is taken to be Danish: on a page in another language a screen reader is told so
    // (WCAG 3.1.2), as the server marks the lines it renders (templates/chat/_widget.html).
    if (message.sender === "caseworker" && labels.dataset.lang && labels.dataset.lang !== "da") {
      text.setAttribute("lang", "da");
    }
    li.appendChild(name);
    li.appendChild(text);
    (log.querySelector(".chat-lines") || log).appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  // Polls `url` for messages after the log's last one. `delayAfter(data)` (optional) says how long to wait after an
  // answer (after a failed request the wait stays as it was); tick() polls at once and starts the wait again.
  function poller(url, log, labels, onMessages, delayAfter, initialDelay) {
    var busy = false;
    var timer = null;
    var delay = initialDelay || POLL_MS;
    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(tick, delay);
    }
    function tick() {
      if (busy) { return; }
      if (document.hidden) { schedule(); return; }
      busy = true;
      var last = log.dataset.lastId || "0";
      var sep = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + sep + "after=" + encodeURIComponent(last), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (delayAfter && data) { delay = delayAfter(data); }
          if (!data) { return; }
          (data.messages || []).forEach(function (m) {
            appendMessage(log, labels, m);
            log.dataset.lastId = String(m.id);
          });
          if (onMessages) { onMessages(data); }
        })
        .catch(function () { /* offline for a moment: the next tick tries again */ })
        .then(function () { busy = false; schedule(); });
    }
    schedule();
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { tick(); } });
    return tick;
  }

  function setupWidget(widget) {
    var log = widget.querySelector(".chat-log");
    var form = widget.querySelector(".chat-form");
    var input = form.querySelector("textarea");
    var hint = form.querySelector(".hint[data-keys]");
    if (hint) { hint.textContent += " " + hint.dataset.keys; }  // Enter sends only here, with JavaScript
    var buttons = form.querySelector(".chat-buttons");
    var status = form.querySelector(".chat-status");
    var sendButton = form.querySelector(".chat-send");
    log.dataset.lastId = widget.dataset.lastId || "0";
    var hello = log.querySelector(".chat-msg-hello");

    // While a message is on its way the quick replies do nothing (a double click on "Book en samtale" sent two
    // first messages). aria-disabled rather than disabled: the button the member used keeps the focus.
    var sending = false;
    function setSending(on) {
      sending = on;
      sendButton.disabled = on;
      Array.prototype.forEach.call(buttons.querySelectorAll("button"), function (b) {
        if (on) { b.setAttribute("aria-disabled", "true"); } else { b.removeAttribute("aria-disabled"); }
      });
    }
    function quickReply(payload) {
      if (!sending) { send(payload); }
    }

    function renderButtons(list, expectsText) {
      // Keep keyboard users in place when the button they used disappears: focus moves to the message box when
      // the bot asks for typed text (its only button is then "Afbryd", which Enter would press), else to the
      // first new button.
      var hadFocus = buttons.contains(document.activeElement);
      buttons.textContent = "";
      (list || []).forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "chat-quick";
        button.textContent = b.title;
        if (sending) { button.setAttribute("aria-disabled", "true"); }
        button.addEventListener("click", function () { quickReply(b.payload); });
        buttons.appendChild(button);
      });
      if (hadFocus) { ((!expectsText && buttons.querySelector("button")) || input).focus(); }
    }

    var stateLine = form.querySelector(".chat-state");
    var shownButtons = null;

    // The intro above the log says who answers and whether the chat is kept; the page holds both versions of
    // each, and the poll's state and consent pick the one shown (consent given, withdrawn; handed off, back).
    function syncIntro(state, consent) {
      Array.prototype.forEach.call(widget.querySelectorAll("[data-intro-state]"), function (el) {
        el.hidden = (el.getAttribute("data-intro-state") === "handed_off") !== (state === "handed_off");
      });
      if (typeof consent !== "boolean") { return; }
      Array.prototype.forEach.call(widget.querySelectorAll("[data-intro-consent]"), function (el) {
        el.hidden = (el.getAttribute("data-intro-consent") === "yes") !== consent;
      });
    }
    var shownState = stateLine ? stateLine.textContent : "";

    // The server says which buttons belong under the chat now (the state's own while a person has the chat,
    // else the bot's last ones or the default three) and who has the chat: shown as it changes.
    function pollDelay(state) { return state === "handed_off" ? POLL_MS : IDLE_POLL_MS; }
    var refresh = poller(widget.dataset.poll + "?sender=" + encodeURIComponent(widget.dataset.sender), log, widget, function (data) {
      var messages = data.messages || [];
      if (messages.length && hello) { hello.remove(); hello = null; }
      syncIntro(data.state, data.consent);
      if (data.buttons) {
        var key = JSON.stringify(data.buttons);
        if (key !== shownButtons) { shownButtons = key; renderButtons(data.buttons, data.expects_text); }
      }
      if (stateLine) {
        var text = data.status ? data.status.text : "";
        if (text !== shownState) {
          shownState = text;
          stateLine.textContent = text;
          stateLine.hidden = !text;
        }
      }
    }, function (data) { return pollDelay(data.state); }, pollDelay(widget.dataset.state));

    function clearTranscript() {
      // Consent withdrawn: the transcript is deleted on the server, so it goes from the screen too.
      var lines = log.querySelector(".chat-lines") || log;
      lines.textContent = "";
      log.dataset.lastId = "0";
    }

    // One message at a time, in the order she sent them: a message typed while the last one's answer is on its way
    // waits for it. Sent side by side, the server could take the typed phone number before the tapped "Telefon"
    // and ask for the channel again (seen in the phone journey). The same text again while it is on its way or
    // waiting is a second press of Enter, not a second message.
    var waiting = [];
    var inFlight = null;
    function send(text) {
      text = (text || "").trim();
      if (!text) { input.focus(); return; }
      if (text.length > 2000) { status.textContent = widget.dataset.tooLongText; input.setAttribute("aria-invalid", "true"); return; }
      input.removeAttribute("aria-invalid");
      if (sending) {
        if (text !== inFlight && waiting.indexOf(text) === -1) { waiting.push(text); }
        status.textContent = widget.dataset.sending;
        return;
      }
      post(text);
    }

    function post(text) {
      var delivered = false;
      inFlight = text;
      status.textContent = widget.dataset.sending;
      setSending(true);
      fetch(widget.dataset.webhook, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ sender: widget.dataset.sender, message: text, metadata: { language: widget.dataset.lang } })
      }).then(function (r) {
        if (r.ok) {
          delivered = true;
          // Clear the box only if it still holds what was sent: a button's request can finish after the member
          // has typed the next message, which must not be wiped (a lost message, seen in the phone journey).
          if (input.value.trim() === text) { input.value = ""; }
          status.textContent = "";
          return r.json().then(function (replies) {
            var deleted = (replies || []).some(function (m) { return m.custom && m.custom.transcript_deleted; });
            if (deleted) { clearTranscript(); }
            return refresh();
          });
        }
        return r.json().then(function (problem) {
          status.textContent = (problem && problem.detail) || widget.dataset.errorText;
        });
      }).catch(function () {
        status.textContent = widget.dataset.errorText;
      }).then(function () {
        inFlight = null;
        setSending(false);
        // A refused or lost message stops the ones typed after it: they answered a question she has not had
        // (what she typed last is still in the box, to send again).
        var next = delivered ? waiting.shift() : null;
        if (!delivered) { waiting = []; }
        if (next) { post(next); return; }
        // refresh() above is asynchronous: poll once more shortly so the answer shows without waiting.
        setTimeout(refresh, 150);
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submitter = event.submitter;
      if (submitter && submitter.name === "payload") { quickReply(submitter.value); return; }
      send(input.value);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); send(input.value); }
    });
    // Quick replies rendered by the server (no-JS) become live buttons too.
    Array.prototype.forEach.call(buttons.querySelectorAll("button[name=payload]"), function (b) {
      b.type = "button";
      b.addEventListener("click", function () { quickReply(b.value); });
    });
    log.scrollTop = log.scrollHeight;
  }

  Array.prototype.forEach.call(document.querySelectorAll(".chat-widget[data-sender]"), setupWidget);

  // The caseworker's open handoff: when its status changes under them (the member ended the chat or withdrew the
  // consent, a colleague took it), the page says so and its forms stop, instead of failing on the next click.
  var staffLog = document.querySelector(".staff-log[data-poll]");
  if (staffLog) {
    poller(staffLog.dataset.poll, staffLog, staffLog, function (data) {
      if (!data.status || data.status === staffLog.dataset.status) { return; }
      staffLog.dataset.status = data.status;
      var notice = document.querySelector(".handoff-changed");
      if (notice) { notice.hidden = false; }
      // a reply being typed stays readable and can be copied; nothing can be sent
      Array.prototype.forEach.call(document.querySelectorAll(".handoff-chat form textarea"),
                                   function (el) { el.readOnly = true; });
      Array.prototype.forEach.call(document.querySelectorAll(".handoff-chat form button, .handoff-chat form select, " +
                                                             ".handoff-chat form input:not([type=hidden])"),
                                   function (el) { el.disabled = true; });
    });
    staffLog.scrollTop = staffLog.scrollHeight;
  }
})();
