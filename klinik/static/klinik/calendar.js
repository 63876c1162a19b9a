// Calendar: shortcuts, moving through the grid with the arrow keys, the side panel, drag and
// drop, and the booking panel's lists. No inline scripts or styles (Content-Security-Policy).
(function () {
  "use strict";

  var ROW_MINUTES = 5;
  var lastFocus = null; // where the focus goes back to when the panel closes
  var afterG = 0; // app.js uses "g" as a prefix (g d, g p): do not act on its second key

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function panel() { return document.getElementById("cal-panel"); }
  function grid() { return document.getElementById("cal-grid"); }
  function csrf() {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function classNumber(el, prefix) {
    var match = new RegExp("\\b" + prefix + "-(\\d+)\\b").exec(el.className);
    return match ? parseInt(match[1], 10) : 0;
  }
  function focusAutofocus(root) {
    var target = root.querySelector("[autofocus]");
    if (target) target.focus();
  }

  // The side panel -------------------------------------------------------------------------

  function showInPanel(url, source) {
    var side = panel();
    if (!side || !window.htmx) { window.location.href = url; return; }
    lastFocus = source || document.activeElement;
    document.querySelectorAll("#cal-grid .is-selected").forEach(function (el) {
      el.classList.remove("is-selected");
    });
    if (source && source.classList) source.classList.add("is-selected");
    htmx.ajax("GET", url, { target: "#cal-panel", swap: "innerHTML" });
  }

  function closePanel() {
    var side = panel();
    var hint = document.getElementById("cal-panel-hint");
    if (!side || !hint) return;
    side.innerHTML = hint.innerHTML;
    document.querySelectorAll("#cal-grid .is-selected, #cal-grid .is-open").forEach(function (el) {
      el.classList.remove("is-selected", "is-open");
    });
    if (lastFocus && document.body.contains(lastFocus)) lastFocus.focus();
  }

  document.addEventListener("click", function (event) {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var close = event.target.closest("[data-panel-close]");
    if (close) {
      event.preventDefault();
      if (panel()) closePanel(); else window.history.back();
      return;
    }
    if (!panel()) return;
    var link = event.target.closest(
      "#cal-grid a.cell, #cal-grid a.appt, #cal-grid a.appt-link, #cal-grid a.appt-join, #cal-book, #cal-panel a[data-panel-link]"
    );
    if (!link) return;
    event.preventDefault();
    showInPanel(link.href, link.closest("#cal-panel") ? lastFocus : link);
  });

  // Selects auto-submit through app.js; checkboxes here. A date submits when picked with the
  // mouse; typed, it waits for Enter (each typed digit would reload the page).
  var pointerOnDate = false;
  document.addEventListener("pointerdown", function (event) {
    pointerOnDate = !!(event.target.matches && event.target.matches("input[data-date-jump]"));
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches) return;
    if (el.matches("input[type=checkbox][data-autosubmit]")) el.form.submit();
    if (el.matches("input[data-date-jump]") && pointerOnDate && el.value) el.form.submit();
  });

  // Moving through the grid ------------------------------------------------------------------

  function columns() {
    var root = grid();
    return root ? Array.prototype.slice.call(root.querySelectorAll(".cal-col")) : [];
  }
  function rowOf(el) {
    var block = el.closest(".appt") || el;
    return classNumber(block, "rs");
  }
  function stops(column) {
    var found = Array.prototype.slice.call(column.querySelectorAll("a.cell, a.appt, a.appt-link, a.appt-join"));
    return found.sort(function (a, b) { return rowOf(a) - rowOf(b); });
  }
  function nearest(column, row) {
    var best = null;
    var bestDistance = Infinity;
    stops(column).forEach(function (el) {
      var block = el.closest(".appt") || el;
      var start = classNumber(block, "rs");
      var end = start + classNumber(block, "rn");
      var distance = row >= start && row < end ? 0 : Math.min(Math.abs(row - start), Math.abs(row - end + 1));
      if (distance < bestDistance) { best = el; bestDistance = distance; }
    });
    return best;
  }
  function focusStop(el) {
    if (!el) return;
    var root = grid();
    root.querySelectorAll("[tabindex='0']").forEach(function (other) { other.tabIndex = -1; });
    el.tabIndex = 0;
    el.focus();
    el.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function initGrid(scroll) {
    var root = grid();
    if (!root || root.querySelector(".cal-col [tabindex='0']")) return;
    var first = root.querySelector(".appt.is-open") || root.querySelector(".cal-col a.cell, .cal-col a.appt");
    if (first) first.tabIndex = 0;
    if (!scroll) return;
    // Start the day where the work is: the current time, or the appointment asked for.
    var scroller = root.querySelector(".cal-scroll");
    var mark = root.querySelector(".now") || root.querySelector(".appt.is-open");
    if (scroller && mark) {
      var top = mark.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
      scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 3);
    }
  }

  function gridKey(event) {
    var el = document.activeElement;
    var column = el.closest(".cal-col");
    if (!column) return false;
    var list = stops(column);
    var index = list.indexOf(el);
    var all = columns();
    var at = all.indexOf(column);
    var row = rowOf(el);
    switch (event.key) {
      case "ArrowDown": focusStop(list[index + 1]); break;
      case "ArrowUp": focusStop(list[index - 1]); break;
      case "PageDown": focusStop(nearest(column, row + 12)); break;
      case "PageUp": focusStop(nearest(column, Math.max(1, row - 12))); break;
      case "Home": focusStop(list[0]); break;
      case "End": focusStop(list[list.length - 1]); break;
      case "ArrowRight": if (all[at + 1]) focusStop(nearest(all[at + 1], row)); break;
      case "ArrowLeft": if (all[at - 1]) focusStop(nearest(all[at - 1], row)); break;
      case " ": el.click(); break;
      default: return false;
    }
    event.preventDefault();
    return true;
  }

  // Shortcuts --------------------------------------------------------------------------------

  function go(id) {
    var link = document.getElementById(id);
    if (link) link.click();
  }

  document.addEventListener("keydown", function (event) {
    if (!document.querySelector("[data-cal-page], [data-panel]")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    // Lists in the panels: patients found, types, free times.
    var list = active && active.closest && active.closest("[data-listnav]");
    if (list && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      var items = Array.prototype.slice.call(list.querySelectorAll("button, a[href]"));
      var i = items.indexOf(active);
      if (i >= 0) {
        event.preventDefault();
        if (event.key === "ArrowDown" && i < items.length - 1) items[i + 1].focus();
        if (event.key === "ArrowUp") {
          if (i > 0) items[i - 1].focus();
          else {
            var search = document.querySelector("[data-book-search]");
            if (search && list.id === "book-hits") search.focus();
          }
        }
        return;
      }
    }
    if (list && list.id === "book-hits" && event.key === "Escape") {
      var box = document.querySelector("[data-book-search]");
      if (box) { event.preventDefault(); box.focus(); }
      return;
    }
    // The patient search: ↓ into the hits, Enter takes the first.
    if (active && active.matches && active.matches("[data-book-search]")) {
      var hits = document.querySelectorAll("#book-hits [data-hit]");
      if (event.key === "ArrowDown" && hits.length) { event.preventDefault(); hits[0].focus(); }
      if (event.key === "Enter" && hits.length) { event.preventDefault(); hits[0].click(); }
      return;
    }
    if (typing(active)) return;
    if (event.key === "Escape" && panel() && !panel().querySelector(".panel-hint")) {
      event.preventDefault();
      closePanel();
      return;
    }
    if (grid() && grid().contains(active) && gridKey(event)) return;
    if (event.key === "g") { afterG = Date.now(); return; }
    if (Date.now() - afterG < 1200) { afterG = 0; return; }
    var inPanel = panel() && panel().contains(active);
    switch (event.key) {
      case "t": go("cal-today"); break;
      case "j": go("cal-next"); break;
      case "k": go("cal-prev"); break;
      case "ArrowRight": if (inPanel) return; go("cal-next"); break;
      case "ArrowLeft": if (inPanel) return; go("cal-prev"); break;
      case "d": go("cal-view-day"); break;
      case "w": go("cal-view-week"); break;
      case "b": go("cal-book"); break;
      case "f": {
        var root = grid();
        var start = root && (root.querySelector(".cal-col [tabindex='0']") || root.querySelector(".cal-col a"));
        if (!start) return;
        focusStop(start);
        break;
      }
      case "a": {
        // Cancel the open appointment: the default reason is chosen, so Enter confirms.
        var cancel = document.querySelector("[data-panel] details.cancel-section");
        if (!cancel) return;
        cancel.open = true;
        var confirm = cancel.querySelector("#cancel-confirm");
        if (confirm) confirm.focus();
        break;
      }
      case "z": {
        // Undo a booking just made directly on Enter (shown for 10 seconds).
        var undo = document.querySelector("[data-panel] #undo-booking");
        if (!undo) return;
        undo.click();
        break;
      }
      case "m": {
        var move = document.querySelector("[data-panel] details.move-section");
        if (!move) return;
        move.open = true;
        var field = move.querySelector("input[name=time]") || move.querySelector("input, select");
        if (field) field.focus();
        break;
      }
      default: return;
    }
    event.preventDefault();
  });

  // Cancelling: typing another reason chooses "Other reason".
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches(".cancel-form input[name=reason_text]")) return;
    var other = field.form.querySelector("input[name=reason][value=other]");
    if (other && field.value.trim()) other.checked = true;
  });

  // Drag and drop ----------------------------------------------------------------------------

  var drag = null;
  var ghost = null;

  function rowAt(column, clientY) {
    var rect = column.getBoundingClientRect();
    var rows = parseInt(column.dataset.rows, 10);
    var height = rect.height / rows;
    var row = Math.round((clientY - rect.top) / height) + 1;
    return Math.min(Math.max(row, 1), rows);
  }
  function timeAt(column, row) {
    var minute = parseInt(column.dataset.first, 10) + (row - 1) * ROW_MINUTES;
    return pad(Math.floor(minute / 60)) + ":" + pad(minute % 60);
  }
  function clearGhost() {
    if (ghost && ghost.parentNode) ghost.parentNode.removeChild(ghost);
    document.querySelectorAll(".cal-col.is-drop-target").forEach(function (el) {
      el.classList.remove("is-drop-target");
    });
  }
  function showGhost(column, row) {
    if (!ghost) { ghost = document.createElement("div"); }
    ghost.className = "drop-ghost rs-" + row + " rn-" + drag.span;
    ghost.textContent = timeAt(column, row);
    if (ghost.parentNode !== column) {
      clearGhost();
      column.appendChild(ghost);
      column.classList.add("is-drop-target");
    }
  }

  document.addEventListener("dragstart", function (event) {
    var block = event.target.closest && event.target.closest("a.appt[draggable='true']");
    if (!block) return;
    var rect = block.getBoundingClientRect();
    drag = {
      block: block,
      column: block.parentNode,
      next: block.nextSibling,
      className: block.className,
      span: classNumber(block, "rn") || 1,
      grabY: event.clientY - rect.top,
    };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", block.dataset.appointment);
    window.setTimeout(function () { block.classList.add("dragging"); }, 0);
  });

  document.addEventListener("dragover", function (event) {
    if (!drag) return;
    var column = event.target.closest && event.target.closest(".cal-col[data-resource]");
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    showGhost(column, rowAt(column, event.clientY - drag.grabY));
  });

  document.addEventListener("drop", function (event) {
    if (!drag) return;
    var column = event.target.closest && event.target.closest(".cal-col[data-resource]");
    if (!column) return;
    event.preventDefault();
    var moving = drag;
    drag = null;
    clearGhost();
    moveBlock(moving, column, rowAt(column, event.clientY - moving.grabY));
  });

  document.addEventListener("dragend", function () {
    clearGhost();
    if (drag) drag.block.classList.remove("dragging");
    drag = null;
  });

  function snapBack(moving) {
    var block = moving.block;
    block.className = moving.className;
    moving.column.insertBefore(block, moving.next);
    block.classList.add("snap-back");
    window.setTimeout(function () { block.classList.remove("snap-back"); }, 600);
  }

  function moveBlock(moving, column, row) {
    var block = moving.block;
    var body = new FormData();
    body.append("date", column.dataset.date);
    body.append("time", timeAt(column, row));
    body.append("column", column.dataset.resource);
    // Show it where it was dropped at once; put it back if the schedule says no.
    block.classList.remove("dragging");
    block.className = block.className.replace(/\brs-\d+/, "rs-" + row);
    block.classList.add("is-moving");
    column.appendChild(block);
    lastFocus = block;
    fetch(block.getAttribute("href") + "move/", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "HX-Request": "true", "HX-Target": "cal-panel" },
    })
      .then(function (response) {
        return response.text().then(function (html) { return { ok: response.ok, html: html }; });
      })
      .then(function (result) {
        var side = panel();
        if (side && result.html) {
          side.innerHTML = result.html;
          if (window.htmx) htmx.process(side);
        }
        block.classList.remove("is-moving");
        if (result.ok) {
          htmx.trigger(document.body, "calendar-changed");
        } else {
          snapBack(moving);
          if (side) focusAutofocus(side);
        }
      })
      .catch(function () {
        block.classList.remove("is-moving");
        snapBack(moving);
      });
  }

  // After htmx swaps ---------------------------------------------------------------------------

  // The appointment panel takes the focus when it opens (its title), so its keys (a, m, z)
  // work at once; not when htmx focuses an [autofocus] in it (a refusal's first alternative)
  // nor when the user is already in it (pressed m before the panel settled).
  function focusPanelTitle(root) {
    var title = root && root.querySelector && root.querySelector("[data-panel-title]");
    if (!title) return;
    var side = title.closest("[data-panel]") || root;
    if (side.querySelector("[autofocus]") || side.querySelector("[aria-invalid='true']")) return;
    var active = document.activeElement;
    if (active && active !== document.body && side.contains(active)) return;
    title.focus();
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.matches && target.matches("[data-panel]")) focusPanelTitle(target);
  });

  // A direct booking's undo disappears when its time is up.
  function undoTimers(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-undo-ms]").forEach(function (form) {
      window.setTimeout(function () { form.remove(); }, parseInt(form.dataset.undoMs, 10));
    });
  }

  function ready() {
    initGrid(true);
    undoTimers(document);
    var opened = document.querySelector("[data-panel]");
    if (opened) focusPanelTitle(opened);
    if (window.htmx) {
      htmx.onLoad(function (element) {
        undoTimers(element);
        if (element.id === "cal-grid" || (element.querySelector && element.querySelector("#cal-grid"))) {
          initGrid(false);
        }
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
