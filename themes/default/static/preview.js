// Preview behaviour: answers to forms and exercises stay in this browser only (localStorage).
(function () {
  "use strict";

  function load(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "{}"); } catch (e) { return {}; }
  }
  function save(key, data) {
    try { window.localStorage.setItem(key, JSON.stringify(data)); return true; } catch (e) { return false; }
  }

  // A required group of checkboxes: at least one must be ticked. The browser has no
  // attribute for that, so the first box carries the message.
  function checkGroups(form) {
    form.querySelectorAll("fieldset[data-required]").forEach(function (set) {
      var boxes = set.querySelectorAll("input[type=checkbox]");
      var any = Array.prototype.some.call(boxes, function (b) { return b.checked; });
      if (boxes.length) {
        boxes[0].setCustomValidity(any ? "" : "Välj minst ett alternativ.");
      }
    });
  }

  function restore(form, data) {
    Object.keys(data).forEach(function (name) {
      var value = data[name];
      form.querySelectorAll('[name="' + name.replace(/"/g, "") + '"]').forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") {
          el.checked = Array.isArray(value) ? value.indexOf(el.value) !== -1 : el.value === value;
        } else {
          el.value = value;
        }
      });
    });
  }

  function collect(form) {
    var data = {};
    form.querySelectorAll("input, textarea").forEach(function (el) {
      if (!el.name) { return; }
      if (el.type === "checkbox") {
        data[el.name] = data[el.name] || [];
        if (el.checked) { data[el.name].push(el.value); }
      } else if (el.type === "radio") {
        if (el.checked) { data[el.name] = el.value; }
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  document.querySelectorAll("form[data-storage-key]").forEach(function (form) {
    var key = form.getAttribute("data-storage-key");
    var status = form.querySelector(".status");
    restore(form, load(key));
    checkGroups(form);
    form.addEventListener("change", function () { checkGroups(form); });
    form.addEventListener("submit", function (event) {
      // Only reached when the browser found every required answer.
      event.preventDefault();
      var ok = save(key, collect(form));
      if (status) {
        status.textContent = ok
          ? "Sparat i den här webbläsaren. I förhandsvisningen skickas ingenting."
          : "Det gick inte att spara i webbläsaren.";
      }
    });
  });
})();
