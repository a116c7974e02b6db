// The shipments grid: focus and close the detail panel. Everything else is plain htmx.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = document.getElementById("detail");
    if (panel && event.detail.target && event.detail.target.id === "detail") {
      panel.hidden = false;
      var title = document.getElementById("detail-title");
      if (title) { title.focus(); }
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-close-detail]");
    if (!button) { return; }
    var panel = document.getElementById("detail");
    var id = panel.querySelector("h2 code");
    panel.replaceChildren();
    panel.hidden = true;
    // Give focus back to the row the merchant came from.
    var links = document.querySelectorAll("#grid a.detail-link");
    for (var i = 0; i < links.length; i++) {
      if (id && links[i].textContent === id.textContent) { links[i].focus(); return; }
    }
  });
})();
