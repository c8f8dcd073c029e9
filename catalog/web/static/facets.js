// The search page's filters: open beside the results on a wide screen, folded behind
// "Filter results" (after the results) on a narrow one, and folded or opened again when
// the screen turns. Without this script they stay open, after the results, and every
// link still works.
(function () {
  "use strict";
  var panel = document.getElementById("filters");
  if (!panel || !window.matchMedia) {
    return;
  }
  var narrow = window.matchMedia("(max-width: 50rem)");
  panel.open = !narrow.matches;
  narrow.addEventListener("change", function () {
    panel.open = !narrow.matches;
  });
  // The "Filter results" link at the top opens the folded filters it jumps to.
  document.querySelectorAll('a[href="#filters"]').forEach(function (link) {
    link.addEventListener("click", function () {
      panel.open = true;
    });
  });
})();
