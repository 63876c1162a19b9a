// Reception: one-key actions on the arrivals board, check-in by scanner, live refresh.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#board [data-row]")).filter(
      function (row) { return !row.hidden; }
    );
  }

  // "Find on the board": hides the rows that do not contain the text (on the page only; the
  // filters above it ask the server).
  var search = document.querySelector("[data-board-search]");
  function applySearch() {
    if (!search) return;
    var text = search.value.trim().toLowerCase();
    document.querySelectorAll("#board [data-row]").forEach(function (row) {
      row.hidden = text !== "" && row.textContent.toLowerCase().indexOf(text) === -1;
    });
  }
  if (search) {
    search.addEventListener("input", applySearch);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === "ArrowDown") {
        // To the first row found, not a submit of the filter form.
        event.preventDefault();
        var list = rows();
        if (list.length) list[0].focus();
      } else if (event.key === "Escape") {
        search.value = "";
        applySearch();
      }
    });
  }

  var checkIn = document.getElementById("check-in-identifier");
  var lastRowId = null;

  // A focused row remembers itself, so a refreshed board can give it its focus back.
  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("[data-row]");
    if (row) lastRowId = row.id;
  });

  // Capture phase: runs before the shell's own "/" (global search), so "/" on the board means
  // finding a patient on the board.
  window.addEventListener(
    "keydown",
    function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key !== "/" || !search || typing(document.activeElement)) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      search.focus();
      search.select();
    },
    true
  );

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    // A barcode scanner types like a keyboard: digits typed outside any field go to the
    // check-in box, and the scanner's Enter submits it there.
    if (checkIn && /^[0-9]$/.test(event.key) && !typing(active)) {
      event.preventDefault();
      checkIn.focus();
      checkIn.value += event.key;
      return;
    }
    if (typing(active)) return;
    if (event.key === "c" && checkIn) {
      event.preventDefault();
      checkIn.focus();
      checkIn.select();
      return;
    }
    var row = active && active.closest && active.closest("[data-row]");
    var list = rows();
    if (event.key === "ArrowDown" || event.key === "ArrowUp" || event.key === "j" || event.key === "k") {
      if (!list.length) return;
      event.preventDefault();
      var index = row ? list.indexOf(row) : -1;
      var down = event.key === "ArrowDown" || event.key === "j";
      var next = down ? Math.min(index + 1, list.length - 1) : Math.max(index - 1, 0);
      list[next].focus();
      return;
    }
    if (!row) return;
    if (event.key === "Enter") {
      // Enter on the row itself: its next step (a focused button handles its own Enter).
      if (active !== row) return;
      var primary = row.querySelector("button[data-primary]");
      if (primary) {
        event.preventDefault();
        primary.click();
      }
      return;
    }
    var button = row.querySelector('button[data-key="' + event.key + '"]');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target) return;
    // The board was replaced: keep the keyboard where it was.
    if (target.id === "board" || (target.closest && target.closest("#board"))) {
      applySearch();
      var active = document.activeElement;
      if ((!active || active === document.body) && lastRowId) {
        var again = document.getElementById(lastRowId);
        if (again) again.focus();
      }
    }
  });

  // After a check-in the box is emptied and keeps the focus: the next card can be scanned.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (checkIn && form && form.id === "check-in-form") {
      checkIn.value = "";
      checkIn.focus();
    }
  });

  // The board's own refreshes are no one's activity: marked, so the session can idle out
  // while the board keeps polling (see IdleTimeoutMiddleware).
  document.body.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "board" && event.detail.verb === "get") {
      event.detail.headers["X-Klinik-Poll"] = "1";
    }
  });

  // A polled element whose answer came from elsewhere (the session ended and the request
  // was sent to the login page) reloads the page instead of showing that page inside itself.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    var xhr = event.detail.xhr;
    var source = config && config.elt;
    if (!source || !source.hasAttribute || !source.hasAttribute("data-poll") || !xhr) return;
    var asked = new URL(config.path, window.location.href).pathname;
    if (xhr.responseURL && new URL(xhr.responseURL).pathname !== asked) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });
})();
