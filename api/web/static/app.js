// Reviewers' workspace: field boxes on page images, linked both ways with the field list.
// Plain JavaScript, no framework; the pages work without it except for the boxes.
"use strict";

function placeBoxes() {
  document.querySelectorAll(".page").forEach(function (page) {
    var aspect = parseFloat(page.dataset.aspect);
    if (aspect > 0) page.style.aspectRatio = (1 / aspect).toFixed(5);
  });
  // Positions come from data attributes: the page's Content-Security-Policy allows no inline styles.
  document.querySelectorAll(".box").forEach(function (box) {
    box.style.left = box.dataset.left + "%";
    box.style.top = box.dataset.top + "%";
    box.style.width = box.dataset.width + "%";
    box.style.height = box.dataset.height + "%";
  });
}

function select(rowId, scrollTo) {
  document.querySelectorAll(".box.active, tr.field.active").forEach(function (el) {
    el.classList.remove("active");
  });
  document.querySelectorAll("tr.edit-row").forEach(function (el) {
    el.hidden = el.dataset.for !== rowId;
  });
  var row = document.getElementById(rowId);
  if (row) row.classList.add("active");
  var boxes = document.querySelectorAll('.box[data-rows~="' + rowId + '"]');
  boxes.forEach(function (box) { box.classList.add("active"); });
  if (scrollTo === "box" && boxes.length) boxes[0].scrollIntoView({ block: "center", behavior: "smooth" });
  if (scrollTo === "row" && row) row.scrollIntoView({ block: "center", behavior: "smooth" });
  if (row && history.replaceState) {
    var url = new URL(window.location.href);
    if (row.dataset.path) url.searchParams.set("field", row.dataset.path);
    url.hash = rowId;
    history.replaceState(null, "", url);
  }
}

document.addEventListener("DOMContentLoaded", function () {
  placeBoxes();
  document.querySelectorAll("tr.field").forEach(function (row) {
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, select, textarea")) return;
      select(row.id, "box");
    });
    row.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(row.id, "box"); }
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
      select(next, "row");
    });
  });
  var active = document.querySelector("tr.field.active");
  if (active) {
    select(active.id, "box");
    var input = document.querySelector('tr.edit-row[data-for="' + active.id + '"] .value-input');
    if (input && document.getElementById("error")) input.focus();
  }
});
