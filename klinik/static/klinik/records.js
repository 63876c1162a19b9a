// The record (EPJ): journal timeline keys, the editor (templates, phrases, autosave guard,
// Ctrl+Enter / Esc) and the Latin → Danish replacements the user chooses.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // The timeline: n new entry, / filter, j/k move, Enter opens the versions ----------------------
  function entries() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-entry]"));
  }

  // Capture phase: runs before the shell's own "/" (global search), so "/" here means the filter.
  window.addEventListener(
    "keydown",
    function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (typing(document.activeElement)) return;
      var journal = document.getElementById("journal");
      var list = entries();
      if (event.key === "n" && journal && journal.dataset.newUrl) {
        event.preventDefault();
        event.stopImmediatePropagation();
        window.location.href = journal.dataset.newUrl;
      } else if (event.key === "/" && document.getElementById("journal-filters")) {
        var first = document.querySelector("#journal-filters select, #journal-filters input");
        if (first) {
          event.preventDefault();
          event.stopImmediatePropagation();
          first.focus();
        }
      } else if ((event.key === "j" || event.key === "k") && list.length) {
        event.preventDefault();
        event.stopImmediatePropagation();
        var current = document.activeElement && document.activeElement.closest
          ? document.activeElement.closest("[data-entry]") : null;
        var index = current ? list.indexOf(current) : -1;
        var next = event.key === "j" ? Math.min(index + 1, list.length - 1) : Math.max(index - 1, 0);
        list[next].focus();
        list[next].scrollIntoView({ block: "nearest" });
      } else if (event.key === "Enter" && document.activeElement && document.activeElement.matches &&
                 document.activeElement.matches("[data-entry][data-versions-url]")) {
        event.preventDefault();
        window.location.href = document.activeElement.dataset.versionsUrl;
      }
    },
    true
  );

  // The editor -------------------------------------------------------------------------------------
  function editor() { return document.getElementById("journal-editor"); }
  function textArea() { return document.getElementById("editor-text"); }
  function statusBox() { return document.getElementById("draft-status"); }

  // Edits since the page loaded, and how many of them the server's draft holds: a reply to an
  // autosave sent before the latest edits does not make the editor clean.
  var edits = 0;
  var savedEdits = 0;
  var sentEdits = 0;
  var leaveAfterSave = false;
  function dirty() { return edits !== savedEdits; }

  function insertAtCaret(area, text) {
    var start = area.selectionStart, end = area.selectionEnd;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.selectionStart = area.selectionEnd = start + text.length;
  }

  function changed(area) {
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // A template inserts its headings (into an empty note, or at the end) and sets the type.
  document.addEventListener("change", function (event) {
    var picker = event.target;
    if (!picker.matches || !picker.matches("[data-template-picker]")) return;
    var option = picker.options[picker.selectedIndex];
    var area = textArea();
    if (!option || !option.value || !area) return;
    var headings = (option.dataset.headings || "").split("\n").filter(Boolean);
    // Each heading, a line to write on, a blank line before the next heading.
    var block = headings.map(function (h) { return h + "\n\n"; }).join("\n");
    var start = area.value.trim() === "" ? 0 : area.value.length;
    area.value = start === 0 ? block : area.value.replace(/\s*$/, "") + "\n\n" + block;
    var type = document.getElementById("editor-entry_type");
    if (type && option.dataset.type) type.value = option.dataset.type;
    picker.value = "";
    area.focus();
    // The caret after the first heading: that is where the writing starts.
    var caret = start === 0 ? 0 : area.value.length - block.length;
    caret += (headings[0] || "").length + 1;
    area.selectionStart = area.selectionEnd = Math.min(caret, area.value.length);
    changed(area);
  });

  // Phrases: ".bt" followed by space or Tab becomes its text, with the merge fields ({fornavn},
  // {dato}, {behandler}) filled in from the page.
  var phrases = null;
  var mergeValues = null;
  function readJson(id) {
    var data = document.getElementById(id);
    try { return data ? JSON.parse(data.textContent) : {}; } catch (e) { return {}; }
  }
  function phraseMap() {
    if (phrases === null) phrases = readJson("journal-phrases");
    return phrases;
  }
  function merged(text) {
    if (mergeValues === null) mergeValues = readJson("journal-merge");
    return text.replace(/\{([^{}\s]*)\}/g, function (whole, name) {
      var value = mergeValues[name.toLowerCase()];
      return typeof value === "string" ? value : whole;
    });
  }
  function expandPhrase(area) {
    var caret = area.selectionStart;
    if (caret !== area.selectionEnd) return false;
    var before = area.value.slice(0, caret);
    var match = /(^|\s)(\.[^\s.][^\s]*)$/.exec(before);
    if (!match) return false;
    var text = phraseMap()[match[2].toLowerCase()];
    if (!text) return false;
    text = merged(text);
    var start = caret - match[2].length;
    area.value = area.value.slice(0, start) + text + area.value.slice(caret);
    area.selectionStart = area.selectionEnd = start + text.length;
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var form = editor();
    if (!form) return;
    var area = textArea();
    var active = document.activeElement;
    var inEditor = !active || active === document.body || form.contains(active);
    if (!inEditor) return;
    // Ctrl+Enter saves from anywhere in the editor; Esc leaves it (the draft is kept).
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (event.key === "Escape" && !document.querySelector("dialog[open]")) {
      event.preventDefault();
      event.stopImmediatePropagation();
      cancelEditor(form);
      return;
    }
    if (area && event.target === area && (event.key === " " || event.key === "Tab") &&
        !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey) {
      if (expandPhrase(area)) {
        if (event.key === "Tab") event.preventDefault();
        changed(area);
      }
    }
  }, true);

  // The editor opens with the focus in the text (autofocus), the caret after what a resumed
  // draft holds.
  (function caretAtEnd() {
    var area = textArea();
    if (area && document.activeElement === area && area.value) {
      area.selectionStart = area.selectionEnd = area.value.length;
    }
  })();

  function cancelEditor(form) {
    var url = form.dataset.cancelUrl;
    if (dirty() && statusBox() && window.htmx) {
      leaveAfterSave = true;
      window.htmx.trigger(statusBox(), "journal-autosave");
      // Leave anyway if the server does not answer quickly.
      setTimeout(function () { window.location.href = url; }, 5000);
    } else {
      window.location.href = url;
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("#journal-editor")) edits += 1;
  });

  // Once saving to the record has started, autosave stops: a late draft must not reappear.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var form = editor();
    if (!form) return;
    if (elt === form) {
      form.dataset.saving = "1";
    } else if (elt === statusBox()) {
      if (form.dataset.saving === "1") event.preventDefault();
      else sentEdits = edits;
    }
  });
  // (A refused save swaps in a fresh editor without the "saving" mark: autosave goes on.)
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "draft-status") {
      if (event.detail.successful) savedEdits = Math.max(savedEdits, sentEdits);
      var form = editor();
      if (leaveAfterSave && form && !dirty()) window.location.href = form.dataset.cancelUrl;
    }
  });

  // After a refused save the editor is swapped in again: focus the first field in error.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "editor-panel") {
      var invalid = document.querySelector('#journal-editor [aria-invalid="true"]');
      if (invalid) invalid.focus();
    }
  });

  // Latin → Danish: the selected word goes along, and a choice replaces the term in the text.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    var area = textArea();
    if (elt && elt.id === "latin-button" && area && area.selectionStart !== area.selectionEnd) {
      event.detail.parameters.selection = area.value.slice(area.selectionStart, area.selectionEnd);
    }
  });

  // A term's places in the text: the offsets the server gave while they still hold the
  // term, else wherever the term is written now (a term is offered once however often it is
  // written, and its buttons replace it everywhere).
  var LETTER = /\p{L}/u;

  function termSpans(button, area) {
    var term = button.dataset.replaceTerm;
    var lower = term.toLowerCase();
    var spans = (button.dataset.spans || "").split(" ").filter(Boolean).map(function (pair) {
      var parts = pair.split("-");
      return [parseInt(parts[0], 10), parseInt(parts[1], 10)];
    });
    if (!spans.length && button.dataset.start) {
      spans = [[parseInt(button.dataset.start, 10), parseInt(button.dataset.end, 10)]];
    }
    var hold = spans.length && spans.every(function (span) {
      return area.value.slice(span[0], span[1]).toLowerCase() === lower;
    });
    if (hold) return spans;
    var everywhere = Boolean(button.dataset.spans);
    spans = [];
    var text = area.value.toLowerCase();
    var at = text.indexOf(lower);
    while (at >= 0) {
      var before = text.charAt(at - 1), after = text.charAt(at + term.length);
      if (!everywhere || (!LETTER.test(before) && !LETTER.test(after))) {
        spans.push([at, at + term.length]);
        if (!everywhere) break; // a selected word: its first place, as before
      }
      at = text.indexOf(lower, at + term.length);
    }
    return spans;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-replace-with]");
    var area = textArea();
    if (!button || !area) return;
    var spans = termSpans(button, area);
    var item = button.closest("[data-latin-term]");
    if (!spans.length) {
      button.textContent = button.dataset.missing || "—";
      button.disabled = true;
      return;
    }
    var value = area.value;
    var moved = []; // [start, shift] of each replacement, for the other offers' offsets
    var caret = 0;
    // From the last place to the first, so the earlier offsets still hold.
    for (var k = spans.length - 1; k >= 0; k--) {
      var start = spans[k][0], end = spans[k][1];
      var replacement = button.dataset.replaceWith;
      // "Pneumonia" at the start of a sentence becomes "Lungebetændelse", not "lungebetændelse".
      var written = value.slice(start, end);
      if (written && written[0] !== written[0].toLowerCase() && replacement) {
        replacement = replacement[0].toUpperCase() + replacement.slice(1);
      }
      value = value.slice(0, start) + replacement + value.slice(end);
      moved.push([start, replacement.length - (end - start)]);
      if (k === 0) caret = start + replacement.length;
    }
    area.value = value;
    function shifted(offset) {
      var total = 0;
      moved.forEach(function (m) { if (m[0] < offset) total += m[1]; });
      return offset + total;
    }
    // The other offered terms moved by what was replaced before them.
    document.querySelectorAll("[data-replace-with][data-start]").forEach(function (other) {
      if (other.closest("[data-latin-term]") === item) return;
      other.dataset.start = shifted(parseInt(other.dataset.start, 10));
      other.dataset.end = shifted(parseInt(other.dataset.end, 10));
      if (other.dataset.spans) {
        other.dataset.spans = other.dataset.spans.split(" ").filter(Boolean).map(function (pair) {
          var parts = pair.split("-");
          return shifted(parseInt(parts[0], 10)) + "-" + shifted(parseInt(parts[1], 10));
        }).join(" ");
      }
    });
    if (item) {
      item.classList.add("replaced");
      item.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }
    area.focus();
    area.selectionStart = area.selectionEnd = caret;
    changed(area);
  });
})();
