// Code pickers on the coding tab: type a code or words, the server (htmx) lists SKS codes,
// ArrowDown/ArrowUp move through them, Enter or a click picks. A picker marked
// data-submit-on-pick submits its form at once (diagnoses, procedures).
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  function listFor(input) {
    var id = input.getAttribute("aria-controls");
    return id ? document.getElementById(id) : null;
  }
  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
  }
  function activeIndex(list) {
    var opts = options(list);
    for (var i = 0; i < opts.length; i++) {
      if (opts[i].getAttribute("aria-selected") === "true") return i;
    }
    return -1;
  }
  function setActive(input, list, index) {
    var opts = options(list);
    opts.forEach(function (option, i) {
      if (!option.id) option.id = list.id + "-" + i;
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0 && opts[index]) {
      input.setAttribute("aria-activedescendant", opts[index].id);
      opts[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function close(input, list) {
    list.innerHTML = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function pick(input, list, option) {
    if (window.htmx) window.htmx.trigger(input, "htmx:abort");
    input.value = option.dataset.code;
    close(input, list);
    if (input.hasAttribute("data-submit-on-pick") && input.form) {
      if (input.form.requestSubmit) input.form.requestSubmit();
      else input.form.submit();
    }
  }
  function normal(code) {
    return (code || "").replace(/[\s.]/g, "").toUpperCase();
  }

  // Capture phase: runs before app.js, whose Escape blurs the field.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-code-input]")) return;
    var list = listFor(input);
    if (!list) return;
    var opts = options(list);
    var index = activeIndex(list);
    if (event.key === "ArrowDown" && opts.length) {
      event.preventDefault();
      setActive(input, list, Math.min(index + 1, opts.length - 1));
    } else if (event.key === "ArrowUp" && opts.length) {
      event.preventDefault();
      setActive(input, list, Math.max(index - 1, 0));
    } else if (event.key === "Enter" && opts.length) {
      if (index >= 0) {
        event.preventDefault();
        pick(input, list, opts[index]);
        return;
      }
      // The typed code itself is among the hits: take it. Otherwise show the first hit and
      // let a second Enter confirm it, so nothing is coded by accident.
      var typed = normal(input.value);
      for (var i = 0; i < opts.length; i++) {
        if (normal(opts[i].dataset.code) === typed) {
          event.preventDefault();
          pick(input, list, opts[i]);
          return;
        }
      }
      event.preventDefault();
      setActive(input, list, 0);
    } else if (event.key === "Escape" && opts.length) {
      event.preventDefault();
      event.stopPropagation();
      close(input, list);
    }
  }, true);

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest(".code-hits [role=option]");
    if (option) {
      var list = option.closest(".code-hits");
      var input = document.querySelector("[aria-controls='" + list.id + "']");
      if (input) pick(input, list, option);
      return;
    }
    // A click elsewhere closes open lists.
    document.querySelectorAll(".code-hits").forEach(function (list) {
      if (list.children.length && !list.closest("[data-code-picker]").contains(event.target)) {
        var owner = document.querySelector("[aria-controls='" + list.id + "']");
        if (owner) close(owner, list);
      }
    });
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("code-hits")) {
      var input = document.querySelector("[aria-controls='" + target.id + "']");
      if (input) {
        input.setAttribute("aria-expanded", options(target).length ? "true" : "false");
        input.removeAttribute("aria-activedescendant");
      }
    }
  });

  // After a coding form comes back, put the cursor back where the user was typing.
  var refocus = null;
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.tagName === "FORM") {
      var active = document.activeElement;
      refocus = active && active.id && elt.contains(active) ? active.id : null;
    }
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    if (!refocus) return;
    var again = document.getElementById(refocus);
    refocus = null;
    if (again && again.matches("[data-code-input]")) again.focus();
  });
})();
