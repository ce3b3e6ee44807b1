// Intake page: move the focus to the error summary so keyboard and screen reader users start there,
// and show the "I stopped" follow-up boxes only while that answer is chosen.
// Everything on the page works without this file.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  // Hidden, never emptied: what was typed is still there if the patient comes back to "I stopped",
  // and the server ignores it for any other answer.
  var followUp = document.getElementById("opioid-follow-up");
  var answers = document.querySelectorAll('input[name="intake-opioid_use"]');
  if (!followUp || !answers.length) {
    return;
  }
  function chosen() {
    for (var i = 0; i < answers.length; i++) {
      if (answers[i].checked) {
        return answers[i].value;
      }
    }
    return "";
  }
  function update() {
    var stopped = chosen() === "stopped";
    // Boxes with an error stay in view whatever the answer, so the message is never hidden.
    followUp.hidden = !stopped && !followUp.querySelector(".is-invalid");
  }
  for (var i = 0; i < answers.length; i++) {
    answers[i].addEventListener("change", update);
  }
  update();
})();
