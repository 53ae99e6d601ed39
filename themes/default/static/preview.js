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

  // What a question's controls hold: a value, a list (checkboxes), or null (no answer).
  function answerOf(form, id) {
    var controls = form.querySelectorAll('[name="' + id.replace(/"/g, "") + '"]');
    var values = [];
    var list = false;
    controls.forEach(function (el) {
      if (el.disabled) { return; }
      if (el.type === "checkbox") {
        list = true;
        if (el.checked) { values.push(el.value); }
      } else if (el.type === "radio") {
        if (el.checked) { values.push(el.value); }
      } else if (el.value.trim() !== "") {
        values.push(el.value.trim());
      }
    });
    return values.length ? values : (list ? [] : null);
  }

  function same(a, b) {
    return a === b || (a !== "" && b !== "" && !isNaN(a) && !isNaN(b) && Number(a) === Number(b));
  }

  // One condition, as steg::forms::compare defines it (docs/bundle-format.md, Forms).
  function holds(c, shown, form) {
    var answer = shown[c.question] ? answerOf(form, c.question) : null;
    var given = answer !== null && answer.length > 0;
    var any = function (test) { return given && answer.some(test); };
    switch (c.operator) {
      case "answered": return given === (c.value === "true");
      case "equals": return any(function (a) { return same(a, c.value); });
      case "not_equals": return !any(function (a) { return same(a, c.value); });
      case "greater": return any(function (a) { return Number(a) > Number(c.value); });
      case "less": return any(function (a) { return Number(a) < Number(c.value); });
      default: return true;
    }
  }

  // Shows the questions whose conditions hold, in form order (a condition only tests earlier
  // questions). A hidden question's controls are disabled: not required, not saved.
  function applyConditions(form) {
    var shown = {};
    form.querySelectorAll("[data-qid]").forEach(function (el) {
      var parent = el.parentElement && el.parentElement.closest("[data-qid]");
      var visible = !parent || shown[parent.getAttribute("data-qid")] === true;
      var rule = el.getAttribute("data-show-if");
      if (visible && rule) {
        try {
          var r = JSON.parse(rule);
          var test = function (c) { return holds(c, shown, form); };
          visible = r.behavior === "any" ? r.conditions.some(test) : r.conditions.every(test);
        } catch (e) { visible = true; }
      }
      shown[el.getAttribute("data-qid")] = visible;
      el.hidden = !visible;
      // The controls of this question only: nested questions get their own turn.
      el.querySelectorAll("input, textarea, select").forEach(function (c) {
        if (c.closest("[data-qid]") === el) { c.disabled = !visible; }
      });
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
      if (!el.name || el.disabled) { return; }
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
    applyConditions(form);
    checkGroups(form);
    form.addEventListener("change", function () { applyConditions(form); checkGroups(form); });
    form.addEventListener("input", function () { applyConditions(form); });
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
