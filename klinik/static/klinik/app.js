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
    // A copy button: <button data-copy="ID"> copies the value of the field with that id.
    var copier = event.target.closest && event.target.closest("[data-copy]");
    if (copier) {
      var field = document.getElementById(copier.dataset.copy);
      if (!field) return;
      field.select();
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).catch(function () {});
      copier.setAttribute("data-copied", "true");
    }
  });

  // Access keys (Alt+N new patient, Alt+J journal, Alt+S write a note …) the same on every
  // browser: Alt (or Alt+Shift) and the letter activate the page's element with that accesskey.
  // Browsers do it natively with differing modifiers, and not at all for synthetic keys (the
  // keystroke tests); handled here, the native one is prevented. Ctrl+Alt is left alone: on
  // Windows it is AltGr, which types € and µ on a Danish keyboard (macOS's own Ctrl+Alt stays).
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    if (!/^Key[A-Z]$/.test(event.code || "")) return;
    var letter = event.code.slice(3).toLowerCase();
    var target = document.querySelector('[accesskey="' + letter + '"]');
    if (!target || target.disabled || target.closest("[hidden], dialog:not([open])")) return;
    event.preventDefault();
    var field = /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (field && !/^(submit|button|checkbox|radio)$/.test(target.type)) {
      target.focus();
    } else {
      target.click();
    }
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
    } else if (pendingG && event.key === "k") {
      window.location.href = "/calendar/";
    } else if (pendingG && event.key === "r") {
      window.location.href = "/reception/";
    } else if (!pendingG && /^[a-z]$/.test(event.key)) {
      // A page's own one-key stop: <a data-stop-key="a"> (the patient page's next appointment).
      var stop = document.querySelector('[data-stop-key="' + event.key + '"]');
      if (stop) {
        event.preventDefault();
        stop.focus();
      }
    }
    pendingG = false;
  });

  // The shortcuts dialog names the browser's accesskey modifier for this platform: Alt on
  // Windows and Linux, Alt+Shift in Firefox there, Ctrl+Option on macOS.
  (function () {
    var agent = navigator.userAgent || "";
    var isMac = /Mac/.test(navigator.platform || agent);
    var modifier = isMac ? "Ctrl+Option" : /Firefox\//.test(agent) ? "Alt+Shift" : "Alt";
    // The page's own access keys beside the ones every page has (listed in the table).
    var listed = {};
    document.querySelectorAll("tr.accesskey kbd:last-child").forEach(function (kbd) {
      listed[kbd.textContent.trim().toLowerCase()] = true;
    });
    document.querySelectorAll("[data-page-accesskeys]").forEach(function (body) {
      document.querySelectorAll("[accesskey]").forEach(function (el) {
        var letter = (el.getAttribute("accesskey") || "").toLowerCase();
        if (!letter || listed[letter] || el.closest("dialog")) return;
        listed[letter] = true;
        var label = el.getAttribute("aria-label") || el.title || el.value || el.textContent;
        var row = document.createElement("tr");
        row.className = "accesskey";
        row.innerHTML = '<th scope="row"><kbd data-accesskey-modifier></kbd>+<kbd></kbd></th><td></td>';
        row.querySelector("kbd:last-child").textContent = letter.toUpperCase();
        row.querySelector("td").textContent = label.replace(/\s+/g, " ").trim().slice(0, 80);
        body.appendChild(row);
        body.hidden = false;
      });
    });
    document.querySelectorAll("[data-accesskey-modifier]").forEach(function (el) {
      el.textContent = modifier;
    });
  })();

  // Search boxes (the header's and the results page's): type, arrow down through the hits,
  // Enter opens the highlighted one. Enter in the box always goes to the results page, whether
  // or not the live list has loaded yet: the same key must do the same thing however fast one
  // types. Escape closes the header's list.
  function searchList(box, results, dropdown) {
    if (!box || !results) return;
    function hits() { return Array.prototype.slice.call(results.querySelectorAll("[data-hit]")); }
    function closeResults() {
      if (!dropdown) return;
      results.innerHTML = "";
      box.setAttribute("aria-expanded", "false");
    }
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (dropdown && event.detail.target === results) {
        box.setAttribute("aria-expanded", results.children.length ? "true" : "false");
      }
    });
    box.addEventListener("keydown", function (event) {
      var list = hits();
      if (event.key === "ArrowDown" && list.length) {
        event.preventDefault();
        list[0].focus();
      } else if (event.key === "Escape") {
        closeResults();
      }
    });
    results.addEventListener("keydown", function (event) {
      var list = hits();
      var index = list.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && index < list.length - 1) {
        event.preventDefault();
        list[index + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (index <= 0) box.focus(); else list[index - 1].focus();
      } else if (event.key === "Escape") {
        closeResults();
        box.focus();
      }
    });
    if (dropdown) {
      document.addEventListener("click", function (event) {
        if (!box.form.contains(event.target)) closeResults();
      });
    }
  }
  searchList(document.getElementById("global-search"), document.getElementById("search-results"), true);
  searchList(document.getElementById("search-page-q"), document.getElementById("search-page-results"), false);

  // Merge: search hits pick the other record instead of opening it.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target.dataset || !target.dataset.mergeInto) return;
    target.querySelectorAll("a[data-hit]").forEach(function (link) {
      var id = link.getAttribute("href").split("/").filter(Boolean).pop();
      link.setAttribute("href", target.dataset.mergeInto + "?other=" + id);
    });
  });

  // Danish date and time fields (core/datefields.py): typed "7.12" becomes "07.12.2026" and
  // "830" becomes "08:30" on leaving the field; the arrow keys move a day (a week with Shift)
  // or five minutes. The server accepts the same forms: this only tidies what is shown.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function parseDate(text) {
    var m = /^(\d{1,2})\s*[.\-\/\s]\s*(\d{1,2})(?:\s*[.\-\/\s]\s*(\d{2}|\d{4}))?$/.exec(text.trim()) ||
            /^(\d{2})(\d{2})(\d{2}|\d{4})$/.exec(text.trim());
    if (!m) return null;
    var now = new Date();
    var year = m[3] === undefined ? now.getFullYear() : parseInt(m[3], 10);
    if (m[3] !== undefined && m[3].length === 2) {
      year += 2000;
      if (year > now.getFullYear() + 10) year -= 100;
    }
    var d = new Date(year, parseInt(m[2], 10) - 1, parseInt(m[1], 10));
    return d.getDate() === parseInt(m[1], 10) && d.getMonth() === parseInt(m[2], 10) - 1 ? d : null;
  }
  function formatDate(d) { return pad(d.getDate()) + "." + pad(d.getMonth() + 1) + "." + d.getFullYear(); }
  function parseTime(text) {
    var m = /^(\d{1,2})(?:\s*[:.]\s*(\d{2}))?$/.exec(text.trim()) || /^(\d{1,2})(\d{2})$/.exec(text.trim());
    if (!m) return null;
    var h = parseInt(m[1], 10), min = parseInt(m[2] || "0", 10);
    return h < 24 && min < 60 ? h * 60 + min : null;
  }
  function formatTime(minutes) { return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60); }
  document.addEventListener("focusout", function (event) {
    var field = event.target;
    if (!field.matches || !field.value) return;
    if (field.matches("input[data-date]")) {
      var d = parseDate(field.value);
      if (d) field.value = formatDate(d);
    } else if (field.matches("input[data-time]")) {
      var t = parseTime(field.value);
      if (t !== null) field.value = formatTime(t);
    }
  });
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!field.matches || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    var step = event.key === "ArrowUp" ? 1 : -1;
    if (field.matches("input[data-date]")) {
      var d = parseDate(field.value) || new Date();
      d.setDate(d.getDate() + step * (event.shiftKey ? 7 : 1));
      field.value = formatDate(d);
    } else if (field.matches("input[data-time]")) {
      var t = parseTime(field.value);
      if (t === null) t = 8 * 60;
      field.value = formatTime((t + step * 5 + 1440) % 1440);
    } else {
      return;
    }
    event.preventDefault();
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // A saved change to the patient reloads the page, so the header shows it too.
  document.body.addEventListener("patient-changed", function () { window.location.reload(); });

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
