// Every page: when a form comes back with errors, start keyboard and screen reader users at the
// summary that lists them (an element with id="error-summary" and tabindex="-1").
// Everything on the site works without this file.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }
})();
