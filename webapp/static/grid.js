// The shipments grid: keeps the selection, focus and scroll where a person expects them across
// htmx swaps, and opens/closes the detail panel. Everything else is plain htmx.
(function () {
  "use strict";
  var selected = new Set(); // ids ticked in this view, kept across swaps and pages
  var focusKey = null; // data-key of the focused element before a swap

  function bulk() { return document.getElementById("bulk"); }

  // The selection lives in the bulk form (outside the swapped region): ticked rows that are
  // not on screen are kept as hidden inputs, ticked rows on screen are their own checkboxes.
  function syncSelection() {
    var form = bulk();
    if (!form) { return; }
    var boxes = document.querySelectorAll("#results input[name=ids][form=bulk]");
    var shown = new Set();
    boxes.forEach(function (box) {
      shown.add(box.value);
      box.checked = selected.has(box.value);
    });
    var kept = form.querySelector(".kept-selection");
    kept.replaceChildren();
    selected.forEach(function (id) {
      if (shown.has(id)) { return; }
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "ids"; input.value = id;
      kept.appendChild(input);
    });
    var count = form.querySelector(".selected-count");
    if (count) { count.textContent = selected.size ? "(" + selected.size + " selected)" : ""; }
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("input[name=ids][form=bulk]")) {
      if (box.checked) { selected.add(box.value); } else { selected.delete(box.value); }
      syncSelection();
    }
  });

  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    focusKey = active && active.dataset ? active.dataset.key || null : null;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    syncSelection();
    var target = event.detail.target;
    var trigger = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    if (target && target.id === "detail") {
      var panel = document.getElementById("detail");
      panel.hidden = false;
      var title = document.getElementById("detail-title");
      if (title) { title.focus(); }
      return;
    }
    var results = document.getElementById("results"); // the new one: the target was replaced
    if (results) { syncFilters(results); }
    if (trigger && trigger.hasAttribute && trigger.hasAttribute("data-page-link")) {
      // A new page: start reading at its top, where its summary says which rows these are.
      var summary = document.getElementById("results-summary");
      if (summary) { summary.scrollIntoView({ block: "start" }); summary.focus({ preventScroll: true }); }
      return;
    }
    var active = document.activeElement;
    if (focusKey && (!active || active === document.body || !active.isConnected)) {
      var again = document.querySelector('[data-key="' + focusKey + '"]');
      if (again) { again.focus({ preventScroll: true }); }
    }
  });

  // Tabs and sortable headers change the view outside the filter form: keep its sort in step.
  function syncFilters(results) {
    var sort = document.querySelector("#filters select[name=sort]");
    if (sort && results.dataset.sort) { sort.value = results.dataset.sort; }
  }

  function closeDetail() {
    var panel = document.getElementById("detail");
    if (!panel || panel.hidden) { return false; }
    var code = panel.querySelector("h2 code");
    var number = code ? code.textContent : null;
    panel.replaceChildren();
    panel.hidden = true;
    // Give focus back to the row the merchant came from.
    var links = document.querySelectorAll("#results a.detail-link");
    for (var i = 0; i < links.length; i++) {
      if (number && links[i].textContent === number) { links[i].focus(); return true; }
    }
    var q = document.getElementById("grid-q");
    if (q) { q.focus(); }
    return true;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-detail]")) { closeDetail(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && closeDetail()) { event.preventDefault(); }
  });
  // A new view (search, filter, tab) starts a new selection only when the merchant clears it.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-clear-selection]")) { selected.clear(); syncSelection(); }
  });
})();
