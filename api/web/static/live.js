// Live status while a dossier's documents are read: its row in the list (or the dossier page) asks
// the server every few seconds, shows the progress, and when the check ends puts the updated parts
// of the page in place without reloading it. Plain JavaScript, loaded by every page beside app.js.
"use strict";

var STATUS_POLL_MS = 3000;

function pollStatus() {
  var watched = document.querySelectorAll("[data-status-url][data-status-live]");
  if (!watched.length) return;
  watched.forEach(function (el) {
    fetch(el.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (status) {
        if (!status) return;
        if (status.status !== el.dataset.status) el.dispatchEvent(new CustomEvent("docproc:status", { detail: status }));
        el.dataset.status = status.status;
        if (!status.processing) el.removeAttribute("data-status-live");
        showStatus(el, status);
        if (!status.processing) refreshRegion(el.closest("[data-live-region][id]"));
      })
      .catch(function () { /* the next round tries again */ });
  });
  window.setTimeout(pollStatus, STATUS_POLL_MS);
}

function showStatus(el, status) {
  el.querySelectorAll("[data-status-text]").forEach(function (node) {
    node.textContent = status.status_label;
    node.className = "badge status-" + status.status;
  });
  el.querySelectorAll("[data-status-progress]").forEach(function (node) {
    node.textContent = status.progress;
  });
  (status.documents || []).forEach(function (doc) {
    var badge = document.querySelector('[data-document-status="' + doc.id + '"]');
    if (badge) { badge.textContent = doc.status_label; badge.className = "badge doc-" + doc.status; }
  });
}

// When the reading ends, the parts of the page it changes (the dossier's findings, computation and
// documents, or the list's row) are taken from the page as the server renders it now and put in
// place of the old ones: no reload, so what the reviewer typed, the focus and the scroll stay.
function refreshRegion(region) {
  if (!region) return;
  fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
    .then(function (answer) { return answer.ok ? answer.text() : null; })
    .then(function (html) {
      if (!html || !region.isConnected) return;
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
      if (fresh) swapRegion(region, document.importNode(fresh, true));
    })
    .catch(function () { /* the badges already say the reading ended; the next visit shows the rest */ });
}

// A form control's identity across the swap: its form's action, its name and its place among namesakes.
function controlKeys(root) {
  var seen = {};
  var keys = new Map();
  root.querySelectorAll("input, textarea, select").forEach(function (control) {
    var form = control.closest("form");
    var base = (form ? form.getAttribute("action") : "") + "|" + (control.name || control.id);
    seen[base] = (seen[base] || 0) + 1;
    keys.set(control, base + "|" + seen[base]);
  });
  return keys;
}

function openDetails(root) {
  return Array.prototype.slice.call(root.querySelectorAll("details[open]")).map(function (details) {
    var owner = details.parentElement && details.parentElement.closest("[id]");
    return owner ? owner.id : "";
  });
}

function swapRegion(old, fresh) {
  var x = window.scrollX, y = window.scrollY;
  var typed = {};
  var focused = null;
  controlKeys(old).forEach(function (key, control) {
    if (control.type === "hidden") return;
    if (control === document.activeElement) {
      focused = { key: key, start: control.selectionStart, end: control.selectionEnd };
    }
    if (control.tagName === "SELECT") typed[key] = { value: control.value };
    else if (control.type === "checkbox" || control.type === "radio") typed[key] = { checked: control.checked };
    else if (control.value !== control.defaultValue) typed[key] = { value: control.value };
  });
  var opened = openDetails(old);
  old.replaceWith(fresh);
  fresh.querySelectorAll("details").forEach(function (details) {
    var owner = details.parentElement && details.parentElement.closest("[id]");
    if (owner && opened.indexOf(owner.id) >= 0) details.open = true;
  });
  controlKeys(fresh).forEach(function (key, control) {
    var was = typed[key];
    if (was && "checked" in was) control.checked = was.checked;
    else if (was) control.value = was.value;
    if (focused && focused.key === key) {
      control.focus({ preventScroll: true });
      if (focused.start !== null && control.setSelectionRange) {
        try { control.setSelectionRange(focused.start, focused.end); } catch (ignored) { /* not a text field */ }
      }
    }
  });
  window.scrollTo(x, y);
}

document.addEventListener("DOMContentLoaded", function () {
  window.setTimeout(pollStatus, STATUS_POLL_MS);
});
