// The work queue: j/k or ↓/↑ move between the items, Enter opens the focused one, m assigns
// it to the user ("assign to me"), f goes to the filters, n makes a new task. No inline
// scripts (CSP).
(function () {
  "use strict";

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(el.tagName));
  }

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-work-item]"));
  }

  function current() {
    var el = document.activeElement;
    return el && el.closest ? el.closest("tr[data-work-item]") : null;
  }

  function focusItem(row) {
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  window.addEventListener(
    "keydown",
    function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var row = current();
      if (typing(document.activeElement) && !row) return;
      var list = items();
      var down = event.key === "j" || event.key === "ArrowDown";
      var up = event.key === "k" || event.key === "ArrowUp";
      if ((down || up) && list.length) {
        event.preventDefault();
        event.stopImmediatePropagation();
        var index = row ? list.indexOf(row) : -1;
        var next = down ? Math.min(index + 1, list.length - 1) : Math.max(index - 1, 0);
        focusItem(list[next]);
      } else if (event.key === "Enter" && row && document.activeElement === row) {
        event.preventDefault();
        window.location.href = row.dataset.url;
      } else if (event.key === "m" && row) {
        var take = row.querySelector("[data-take]");
        if (take) {
          event.preventDefault();
          take.click();
        }
      } else if (event.key === "n" && document.querySelector("[data-new-task]")) {
        event.preventDefault();
        event.stopImmediatePropagation();
        window.location.href = document.querySelector("[data-new-task]").href;
      } else if (event.key === "f") {
        var first = document.querySelector("#worklist-filters select");
        if (first) {
          event.preventDefault();
          first.focus();
        }
      }
    },
    true
  );

  // The first item has the focus when the queue opens (unless the user is already elsewhere).
  document.addEventListener("DOMContentLoaded", function () {
    var list = items();
    if (list.length && (document.activeElement === document.body || !document.activeElement)) {
      list[0].focus();
    }
  });
})();
