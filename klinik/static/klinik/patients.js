// Patient registration: the town from the postal code, the name and address from the CPR
// register, and Enter registering from any field. No inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // Fields the user has typed in: never overwritten by a lookup.
  document.addEventListener("input", function (event) {
    if (event.isTrusted && event.target.dataset) {
      event.target.dataset.touched = "1";
      delete event.target.dataset.auto;
    }
  });

  function fieldAfter(field) {
    var all = Array.prototype.slice.call(field.form.elements).filter(function (el) {
      return !el.disabled && el.type !== "hidden" && el.tabIndex >= 0 && el.offsetParent !== null;
    });
    return all[all.indexOf(field) + 1] || null;
  }

  // Postal code → town ---------------------------------------------------------------------------
  var asked = {};
  function townOf(input) {
    var code = input.value.trim();
    if (!/^\d{4}$/.test(code)) return Promise.resolve(null);
    if (!asked[code]) {
      asked[code] = fetch(input.dataset.postalLookup + "?code=" + encodeURIComponent(code), {
        headers: { Accept: "application/json" }, credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.json() : { city: null }; })
        .then(function (data) { return data.city || null; })
        .catch(function () { delete asked[code]; return null; });
    }
    return asked[code];
  }

  function cityField(input) { return input.form.querySelector("[name=city]"); }

  // Fill the town when it is empty or was filled by a lookup; say what happened. Resolves to
  // whether the town is now known.
  function fillTown(input) {
    var city = cityField(input);
    var note = document.getElementById("city-note");
    return townOf(input).then(function (town) {
      if (!city) return false;
      if (town && (city.value.trim() === "" || city.dataset.auto)) {
        city.value = town;
        city.dataset.auto = "1";
      } else if (!town && city.dataset.auto) {
        city.value = "";
        delete city.dataset.auto;
      }
      if (note) {
        note.textContent = town ? (city.dataset.auto ? note.dataset.filled : "")
          : (/^\d{4}$/.test(input.value.trim()) ? note.dataset.unknown : "");
      }
      return city.value.trim() !== "";
    });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.dataset && input.dataset.postalLookup && /^\d{4}$/.test(input.value.trim())) {
      fillTown(input);
    }
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.dataset || !input.dataset.postalLookup) return;
    if (event.key !== "Tab" || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) return;
    if (!/^\d{4}$/.test(input.value.trim())) return;
    // Tab waits for the town: a known town is skipped (Shift+Tab goes back to it), an unknown
    // one is where the focus goes.
    event.preventDefault();
    fillTown(input).then(function (known) {
      var city = cityField(input);
      var target = known && city ? fieldAfter(city) : city;
      (target || fieldAfter(input) || input).focus();
    });
  });

  // The CPR register's name and address fill the empty fields ------------------------------------
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "cpr-check") return;
    var person = target.querySelector("[data-cpr-person]");
    var form = target.closest("form");
    if (!person || !form) return;
    ["given_name", "family_name", "address_line", "postal_code", "city"].forEach(function (name) {
      var field = form.querySelector("[name=" + name + "]");
      var value = person.dataset[name] || "";
      if (!field || !value || field.dataset.touched || document.activeElement === field) return;
      if (field.value.trim() === "" || field.dataset.auto) {
        field.value = value;
        field.dataset.auto = "1";
      }
    });
  });

  // Enter registers from any field (text fields do it natively; selects and boxes here) ---------
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) return;
    var field = event.target;
    var form = field.form;
    if (!form || !form.hasAttribute("data-enter-submits")) return;
    if (field.tagName === "SELECT" || field.type === "checkbox" || field.type === "radio") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
