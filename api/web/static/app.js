// Reviewers' workspace: field boxes on page images linked both ways with the field list, zoom and
// rotation of the pages, the field's snippet in its edit row, hotkeys (live status while documents
// are read: live.js). Plain JavaScript, no framework; the pages work without it except for these.
// Styles are set through the DOM: the Content-Security-Policy allows no inline style attributes.
"use strict";

// A box is drawn this many px outside the words it marks, so its outline never crosses them.
var BOX_PAD_PX = 3;
var ZOOM_STEP = 1.25;
var ZOOM_MIN = 0.1;
var ZOOM_MAX = 4;

var view = { zoom: "fit", rotation: 0 }; // zoom: "fit" or the scale of the page image's own pixels

function loadView() {
  try {
    var saved = JSON.parse(sessionStorage.getItem("docproc.view") || "null");
    if (saved && (saved.zoom === "fit" || saved.zoom > 0)) view.zoom = saved.zoom;
  } catch (ignored) { /* storage unavailable: defaults */ }
}

function saveView() {
  try { sessionStorage.setItem("docproc.view", JSON.stringify({ zoom: view.zoom })); } catch (ignored) { /* no storage */ }
}

function placeBoxes() {
  document.querySelectorAll(".box").forEach(function (box) {
    var d = box.dataset;
    box.style.left = "calc(" + d.left + "% - " + BOX_PAD_PX + "px)";
    box.style.top = "calc(" + d.top + "% - " + BOX_PAD_PX + "px)";
    box.style.width = "calc(" + d.width + "% + " + 2 * BOX_PAD_PX + "px)";
    box.style.height = "calc(" + d.height + "% + " + 2 * BOX_PAD_PX + "px)";
  });
}

// Each page is laid out in px: its stage takes the turned page's size, the page is turned inside it.
function layoutPages() {
  var turned = view.rotation % 180 !== 0;
  var label = "";
  document.querySelectorAll(".page-frame").forEach(function (frame) {
    var stage = frame.querySelector(".page-stage");
    var page = frame.querySelector(".page");
    var img = page.querySelector("img");
    var aspect = parseFloat(page.dataset.aspect) || 1.414; // height / width
    var natural = img.naturalWidth || 0;
    frame.classList.toggle("zoomed", view.zoom !== "fit"); // before measuring: a zoomed frame has a border
    var frameWidth = frame.clientWidth;
    var width = view.zoom === "fit" || !natural
      ? (turned ? frameWidth / aspect : frameWidth)
      : natural * view.zoom;
    var height = width * aspect;
    stage.style.width = (turned ? height : width) + "px";
    stage.style.height = (turned ? width : height) + "px";
    page.style.width = width + "px";
    page.style.height = height + "px";
    page.style.transform = {
      0: "none",
      90: "translateX(" + height + "px) rotate(90deg)",
      180: "translate(" + width + "px, " + height + "px) rotate(180deg)",
      270: "translateY(" + width + "px) rotate(270deg)"
    }[view.rotation];
    if (!label && natural) label = Math.round((100 * width) / natural) + " %";
  });
  var level = document.querySelector(".zoom-level");
  // The page's language gives the word (data-fit, api/web/locale); Russian when a page lacks it.
  if (level) level.textContent = (view.zoom === "fit" ? level.dataset.fit || "по ширине" : "") + (label ? " · " + label : "") + (view.rotation ? " · " + view.rotation + "°" : "");
}

function currentScale() {
  var img = document.querySelector(".page img");
  if (!img || !img.naturalWidth) return 1;
  return img.getBoundingClientRect().width / img.naturalWidth || 1;
}

function setZoom(what) {
  if (what === "fit") view.zoom = "fit";
  else if (what === "in" || what === "out") {
    var scale = currentScale() * (what === "in" ? ZOOM_STEP : 1 / ZOOM_STEP);
    view.zoom = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, scale));
  } else view.zoom = parseFloat(what);
  saveView();
  layoutPages();
  var box = document.querySelector(".box.active");
  if (box) box.scrollIntoView({ block: "center", inline: "center" });
}

function rotate() {
  view.rotation = (view.rotation + 90) % 360;
  layoutPages();
}

// The field's place cut out of the page image: the image as a background, sized and shifted.
function placeSnippets() {
  document.querySelectorAll(".snippet").forEach(function (snip) {
    var d = snip.dataset;
    var left = parseFloat(d.left), top = parseFloat(d.top);
    var width = parseFloat(d.width), height = parseFloat(d.height), aspect = parseFloat(d.aspect);
    snip.style.backgroundImage = "url(\"" + d.src + "\")";
    snip.style.backgroundSize = (10000 / width) + "% auto";
    snip.style.backgroundPosition =
      (width >= 100 ? 0 : (100 * left) / (100 - width)) + "% " + (height >= 100 ? 0 : (100 * top) / (100 - height)) + "%";
    snip.style.aspectRatio = (width / (height * aspect)).toFixed(4);
  });
}

function fieldRows() { return Array.prototype.slice.call(document.querySelectorAll("tr.field[data-path]")); }

function select(rowId, scrollTo, openEditor) {
  document.querySelectorAll(".box.active, tr.field.active").forEach(function (el) {
    el.classList.remove("active");
  });
  document.querySelectorAll("tr.edit-row").forEach(function (el) {
    el.hidden = !(openEditor && el.dataset.for === rowId);
  });
  var row = document.getElementById(rowId);
  if (row) row.classList.add("active");
  var boxes = document.querySelectorAll('.box[data-rows~="' + rowId + '"]');
  boxes.forEach(function (box) { box.classList.add("active"); });
  if (scrollTo === "box" && boxes.length) boxes[0].scrollIntoView({ block: "center", inline: "nearest", behavior: "smooth" });
  if (scrollTo === "row" && row) row.scrollIntoView({ block: "center", behavior: "smooth" });
  if (row && history.replaceState) {
    var url = new URL(window.location.href);
    if (row.dataset.path) url.searchParams.set("field", row.dataset.path);
    url.searchParams.delete("event");
    // Not while loading: Chrome scrolls to the address's fragment once the page has loaded.
    if (document.readyState === "complete") url.hash = rowId;
    history.replaceState(null, "", url);
  }
  return row;
}

// The values panel scrolls on its own beside the page: bring the row into it without moving the window.
function revealInPanel(row) {
  var panel = row.closest(".fields");
  if (!panel || panel.scrollHeight <= panel.clientHeight) return;
  var offset = row.getBoundingClientRect().top - panel.getBoundingClientRect().top;
  if (offset < 0 || offset > panel.clientHeight - row.offsetHeight) panel.scrollTop += offset - panel.clientHeight / 3;
}

function focusRow(row) {
  if (!row) return;
  select(row.id, "box", false);
  row.focus({ preventScroll: true });
  row.scrollIntoView({ block: "nearest" });
}

function openEditor(row) {
  if (!row) return;
  select(row.id, "box", true);
  var editor = document.querySelector('tr.edit-row[data-for="' + row.id + '"]');
  var input = editor && editor.querySelector("input[name=value], select[name=value]");
  if (input) {
    input.focus({ preventScroll: true });
    if (input.select) input.select();
    editor.scrollIntoView({ block: "nearest" });
  }
}

function closeEditor(editor) {
  editor.hidden = true;
  var row = document.getElementById(editor.dataset.for);
  if (row) row.focus({ preventScroll: true });
}

function stepField(delta, onlyAttention) {
  var rows = fieldRows();
  var candidates = onlyAttention ? rows.filter(function (r) { return r.hasAttribute("data-attention"); }) : rows;
  if (!candidates.length) return;
  var current = document.querySelector("tr.field.active");
  var at = current ? rows.indexOf(current) : -1;
  var next = null;
  if (delta > 0) next = candidates.find(function (r) { return rows.indexOf(r) > at; }) || candidates[0];
  else next = candidates.slice().reverse().find(function (r) { return rows.indexOf(r) < at; }) || candidates[candidates.length - 1];
  focusRow(next);
}

function toggleHotkeys(show) {
  var overlay = document.getElementById("hotkeys");
  if (!overlay) return;
  var open = show === undefined ? overlay.hidden : show;
  if (open) {
    overlay.dataset.returnTo = document.activeElement && document.activeElement.id ? document.activeElement.id : "";
    overlay.hidden = false;
    overlay.querySelector(".hotkeys-close").focus();
  } else {
    overlay.hidden = true;
    var back = overlay.dataset.returnTo && document.getElementById(overlay.dataset.returnTo);
    if (back) back.focus({ preventScroll: true });
  }
}

function follow(selector, last) {
  var links = document.querySelectorAll(selector);
  var link = links[last ? links.length - 1 : 0];
  if (link) window.location.href = link.href;
}

// One key handler for every page: Esc first (the overlay, then an open editor), then the page's own
// keys, never while typing in a form field or with a modifier held.
function hotkeyHandler(pageActions) {
  return function (event) {
    var target = event.target;
    var overlay = document.getElementById("hotkeys");
    if (event.key === "Escape") {
      if (overlay && !overlay.hidden) { toggleHotkeys(false); event.preventDefault(); return; }
      var editor = target.closest && target.closest("tr.edit-row");
      if (editor) { closeEditor(editor); event.preventDefault(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    if (overlay && !overlay.hidden && event.key !== "?") return;
    var action = event.key === "?" ? function () { toggleHotkeys(); } : pageActions(event, target);
    if (action) { event.preventDefault(); action(); }
  };
}

function documentKeys(event, target) {
  var row = target.closest && target.closest("tr.field[data-path]");
  if (event.key === "Enter" && row) return function () { openEditor(row); };
  if (event.key === " " && row) return function () { select(row.id, "box", false); };
  return {
    "j": function () { stepField(1, false); },
    "k": function () { stepField(-1, false); },
    "n": function () { stepField(1, true); },
    "e": function () { openEditor(row || document.querySelector("tr.field.active")); },
    "[": function () { follow('a[rel="prev"]'); },
    "]": function () { follow('a[rel="next"]'); },
    "d": function () { follow(".crumbs a[href^='/dossiers/']"); },
    "+": function () { setZoom("in"); },
    "=": function () { setZoom("in"); },
    "-": function () { setZoom("out"); },
    "0": function () { setZoom("fit"); },
    "r": function () { rotate(); }
  }[event.key];
}

// Moves the focus to the next (or previous) of ``elements`` after the focused one, or after the
// element the address points at (the page comes back to the item just decided).
function stepFocus(elements, delta) {
  if (!elements.length) return;
  var from = document.activeElement && document.activeElement !== document.body
    ? document.activeElement
    : (window.location.hash && document.getElementById(window.location.hash.slice(1)));
  var next = null;
  if (from) {
    var after = function (el) { return from.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING; };
    var before = function (el) { return el !== from && !after(el) && !el.contains(from); };
    next = delta > 0 ? elements.find(function (el) { return after(el) && !from.contains(el); })
      : elements.slice().reverse().find(before);
  }
  next = next || (delta > 0 ? elements[0] : elements[elements.length - 1]);
  next.focus();
  next.scrollIntoView({ block: "center" });
}

// The dossier page: the open findings and eligibility conditions, one after another.
function openDecisions() {
  return Array.prototype.slice.call(document.querySelectorAll(
    "article.finding:not([class*='verdict-']) details.decide > summary, " +
    "tr[id^='eligibility-']:has(.badge.eligibility-open) details.decide > summary"
  ));
}

function dossierKeys(event) {
  return {
    "j": function () { stepFocus(openDecisions(), 1); },
    "k": function () { stepFocus(openDecisions(), -1); },
    "d": function () {
      var comment = document.querySelector("#decide textarea[name=comment]");
      if (comment) { comment.focus(); comment.scrollIntoView({ block: "center" }); }
    },
    // The dossier stands before its first document and after its last: «]» and «[» step into them.
    "]": function () { follow("#documents .doclist a[href^='/documents/']"); },
    "[": function () { follow("#documents .doclist a[href^='/documents/']", true); },
    "l": function () { follow("a.letter-link"); }
  }[event.key];
}

// The letter: the text to review first (the cursor in it), Tab to «Сохранить» and «Выдать»; «d» back.
function letterKeys(event) {
  return { "d": function () { follow(".crumbs a[href^='/dossiers/']"); } }[event.key];
}

function setUpLetterPage() {
  var body = document.querySelector("textarea.letter-body:not([readonly])");
  if (body && !document.getElementById("notice") && !document.getElementById("error")) {
    body.focus({ preventScroll: true });
    body.setSelectionRange(0, 0);
  }
  document.addEventListener("keydown", hotkeyHandler(letterKeys));
}

// The dossier list: one dossier after another; «/» to the search field.
function listKeys(event) {
  var links = Array.prototype.slice.call(document.querySelectorAll("table.dossiers tbody a[href^='/dossiers/']"));
  return {
    "j": function () { stepFocus(links, 1); },
    "k": function () { stepFocus(links, -1); },
    "/": function () { var q = document.querySelector(".filters input[name=q]"); if (q) q.focus(); }
  }[event.key];
}

function setUpOverlay() {
  document.querySelectorAll(".hotkeys-toggle").forEach(function (button) {
    button.addEventListener("click", function () { toggleHotkeys(); });
  });
  document.querySelectorAll(".hotkeys-close").forEach(function (button) {
    button.addEventListener("click", function () { toggleHotkeys(false); });
  });
}

function setUpDossierPage() {
  // Opening a decision puts the cursor in its comment: Tab reaches the buttons from there.
  // One listener on the document (toggle does not bubble: caught on its way down), so decisions the
  // live status puts in place later behave the same.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.matches("details.decide")) return;
    var comment = details.open && details.querySelector("input[name=comment]");
    if (comment) comment.focus();
  }, true);
  document.addEventListener("keydown", hotkeyHandler(dossierKeys));
}

function setUpDocumentPage() {
  loadView();
  placeBoxes();
  placeSnippets();
  var tools = document.querySelector(".viewer-tools");
  if (tools) tools.hidden = false;
  document.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () { setZoom(button.dataset.zoom); });
  });
  document.querySelectorAll("[data-rotate]").forEach(function (button) { button.addEventListener("click", rotate); });
  document.querySelectorAll(".page img").forEach(function (img) {
    if (!img.complete) img.addEventListener("load", layoutPages);
  });
  document.querySelectorAll(".page-frame").forEach(function (frame) {
    frame.addEventListener("wheel", function (event) {
      if (!event.ctrlKey) return; // the plain wheel scrolls; Ctrl + wheel (and a pinch) zooms
      event.preventDefault();
      setZoom(event.deltaY < 0 ? "in" : "out");
    }, { passive: false });
  });
  window.addEventListener("resize", function () { if (view.zoom === "fit") layoutPages(); });
  layoutPages();

  fieldRows().forEach(function (row) {
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, select, textarea")) return;
      select(row.id, "box", true);
    });
  });
  document.querySelectorAll(".box").forEach(function (box) {
    box.addEventListener("click", function (event) {
      event.preventDefault();
      // Several fields read from the same words share a box: each click selects the next of them.
      var rows = box.dataset.rows.split(" ");
      var current = document.querySelector("tr.field.active");
      var at = current ? rows.indexOf(current.id) : -1;
      var next = box.classList.contains("active") && at >= 0 ? rows[(at + 1) % rows.length] : rows[0];
      select(next, "row", true);
    });
  });
  document.querySelectorAll("[data-next-attention]").forEach(function (link) {
    link.addEventListener("click", function (event) { event.preventDefault(); stepField(1, true); });
  });
  document.querySelectorAll(".cancel-edit").forEach(function (button) {
    button.addEventListener("click", function () { closeEditor(button.closest("tr.edit-row")); });
  });
  document.addEventListener("keydown", hotkeyHandler(documentKeys));

  var active = document.querySelector("tr.field.active");
  var notice = document.getElementById("notice");
  if (active) {
    var editor = document.querySelector('tr.edit-row[data-for="' + active.id + '"]');
    select(active.id, notice ? null : "box", editor ? !editor.hidden : false);
    var input = editor && editor.querySelector(".value-input");
    if (input && document.getElementById("error")) input.focus();
    else active.focus({ preventScroll: true });
    revealInPanel(active);
  }
  if (notice) { // back from a correction: its outcome in view at the top, the field still selected
    var panel = notice.closest(".fields");
    if (panel) panel.scrollTop = 0;
    window.scrollTo(0, 0);
    // Enter goes back to the dossier; j, k, n and e keep working from the selected field.
    var back = notice.querySelector("a");
    if (back) back.focus({ preventScroll: true });
  }
}

document.addEventListener("DOMContentLoaded", function () {
  setUpOverlay();
  if (document.querySelector(".document-body")) setUpDocumentPage();
  else if (document.querySelector(".dossier-body")) setUpDossierPage();
  else if (document.querySelector(".list-body")) document.addEventListener("keydown", hotkeyHandler(listKeys));
  else if (document.querySelector(".letter-page")) setUpLetterPage();
  var nextDossier = document.querySelector("[data-autofocus]");
  if (nextDossier) nextDossier.focus({ preventScroll: true });
});
