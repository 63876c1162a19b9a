// Klinik shell behaviour: keyboard shortcuts, auto-submitting selects, idle warning.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]")) el.form.submit();
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-open-dialog]");
    if (opener) document.getElementById(opener.dataset.openDialog).showModal();
  });

  var pendingG = false;
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(document.activeElement)) {
      document.activeElement.blur();
      return;
    }
    if (typing(document.activeElement)) return;
    var search = document.getElementById("global-search");
    if (event.key === "/" && search && !search.disabled) {
      event.preventDefault();
      search.focus();
    } else if (event.key === "?") {
      var dialog = document.getElementById("shortcuts-dialog");
      if (dialog && !dialog.open) dialog.showModal();
    } else if (event.key === "g") {
      pendingG = true;
      setTimeout(function () { pendingG = false; }, 1200);
      return;
    } else if (pendingG && event.key === "d") {
      window.location.href = "/dashboard/";
    } else if (pendingG && event.key === "p") {
      window.location.href = "/staff/";
    }
    pendingG = false;
  });

  var searchForm = document.getElementById("global-search-form");
  if (searchForm && !searchForm.getAttribute("action")) {
    searchForm.addEventListener("submit", function (event) { event.preventDefault(); });
  }

  // Idle timeout: reload shortly after the server-side session would have expired, so a
  // screen left open does not keep showing patient data.
  var timeout = parseInt(document.body.dataset.idleTimeout || "0", 10);
  if (timeout > 0 && document.querySelector(".topbar")) {
    var timer;
    var lastPing = Date.now();
    var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
    var reset = function () {
      // Typing in a long note is activity too: tell the server at most once a minute.
      if (Date.now() - lastPing > 60000) {
        lastPing = Date.now();
        fetch("/keepalive/", { method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin" });
      }
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.reload(); }, (timeout + 5) * 1000);
    };
    ["keydown", "click"].forEach(function (name) { document.addEventListener(name, reset); });
    reset();
  }
})();
