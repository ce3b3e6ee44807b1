// Intake page: move the focus to the error summary so keyboard and screen reader users start there.
// Everything on the page works without this file.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
