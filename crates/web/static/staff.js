// Staff pages: a warning before the idle sign-out, and keeping what was typed when it happens.
// Every page works without it; the server ends idle sessions either way.
(function () {
  "use strict";
  var WARN_SECONDS = 120;
  var warning = document.getElementById("idle-warning");
  var stay = document.getElementById("idle-stay");
  var kept = document.getElementById("kept-notice");
  var csrf = document.querySelector('input[name="csrf"]');
  var key = "signaal-unsent:" + location.pathname;
  var timer = null;
  var focusBefore = null;

  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  // The fields someone fills in: never the CSRF token, a password or a button.
  function fillable(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf" && !/^(password|hidden|submit|button|file)$/.test(el.type);
    });
  }

  function changed(el) {
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return el.value !== el.defaultValue;
  }

  // What was typed but not sent, per form on the page; kept in this tab only (sessionStorage ends
  // with the tab) and removed as soon as it is put back or the form is sent.
  function saveUnsent() {
    var entries = [];
    document.querySelectorAll("main form").forEach(function (form, index) {
      var fields = fillable(form);
      if (!fields.some(changed)) return;
      fields.forEach(function (el) {
        var on = el.type === "checkbox" || el.type === "radio" ? el.checked : null;
        entries.push([index, el.name, el.value, on]);
      });
    });
    var store = storage();
    if (store && entries.length) store.setItem(key, JSON.stringify(entries));
  }

  function restoreUnsent() {
    var store = storage();
    var raw = store && store.getItem(key);
    if (!raw) return;
    store.removeItem(key);
    var forms = document.querySelectorAll("main form");
    var entries;
    try { entries = JSON.parse(raw); } catch (e) { return; }
    entries.forEach(function (entry) {
      var form = forms[entry[0]];
      if (!form) return;
      fillable(form).forEach(function (el) {
        if (el.name !== entry[1]) return;
        if (entry[3] === null) el.value = entry[2];
        else if (el.value === entry[2]) el.checked = entry[3];
      });
    });
    var main = document.getElementById("main");
    if (kept && main) {
      main.insertBefore(kept, main.firstChild);
      kept.hidden = false;
    }
  }

  function signOut() {
    saveUnsent();
    // A plain GET of this page: the server sends it to the login, which returns here afterwards.
    location.assign(location.pathname + location.search);
  }

  function showWarning(secondsLeft) {
    if (warning.hidden) {
      focusBefore = document.activeElement;
      warning.hidden = false;
      stay.focus();
    }
    clearTimeout(timer);
    timer = setTimeout(check, (secondsLeft + 1) * 1000);
  }

  function hideWarning() {
    warning.hidden = true;
    if (focusBefore && focusBefore.focus) focusBefore.focus();
  }

  // Asks the server how long is left (another tab may have been used meanwhile), then waits.
  function check() {
    fetch("/app/session", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : { seconds_left: 0 }; })
      .then(function (left) {
        if (left.seconds_left <= 0) return signOut();
        if (left.seconds_left <= WARN_SECONDS) return showWarning(left.seconds_left);
        if (!warning.hidden) hideWarning();
        clearTimeout(timer);
        timer = setTimeout(check, (left.seconds_left - WARN_SECONDS) * 1000);
      })
      .catch(function () {
        // Offline for a moment: ask again in a while rather than sign out.
        clearTimeout(timer);
        timer = setTimeout(check, 30000);
      });
  }

  if (!warning || !stay || !csrf || !window.fetch) return;
  restoreUnsent();
  document.querySelectorAll("main form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var store = storage();
      if (store) store.removeItem(key);
    });
  });
  stay.addEventListener("click", function () {
    fetch("/app/session/keep", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf.value },
      redirect: "manual"
    }).then(function (response) {
      if (response.status !== 204) return signOut();
      hideWarning();
      check();
    }).catch(function () { check(); });
  });
  check();
})();
