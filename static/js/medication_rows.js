// Intake page: "Add another medication" adds the row in the page rather than posting the form.
// The page then stays the GET it was, so Back from a refused submission (400, 429, 500) shows it
// again with every answer instead of asking to resend a POST (issue #12).
// Without this file the button posts and the server adds the row (patients/forms.py): the same
// limit applies, mirrored from the button's data-max-rows.
(function () {
  "use strict";
  var button = document.querySelector('button[name="add_row"][data-max-rows]');
  var template = document.getElementById("med-row-template");
  var total = document.querySelector('input[name="med-TOTAL_FORMS"]');
  var status = document.getElementById("med-status");
  if (!button || !template || !total || !status) {
    return;
  }
  var maxRows = parseInt(button.getAttribute("data-max-rows"), 10);

  function rows() {
    return document.querySelectorAll("fieldset.med-row");
  }

  // As the server counts at its limit: rows not ticked for removal.
  function keptRows() {
    var kept = 0;
    var all = rows();
    for (var i = 0; i < all.length; i++) {
      var remove = all[i].querySelector('input[name$="-DELETE"]');
      if (!remove || !remove.checked) {
        kept++;
      }
    }
    return kept;
  }

  function say(text, withLimit) {
    status.textContent = "";
    if (text) {
      var words = document.createElement("span");
      words.className = "visually-hidden";
      words.textContent = text + " ";
      status.appendChild(words);
    }
    if (withLimit) {
      var limit = document.createElement("div");
      limit.className = "alert alert-warning py-2";
      limit.id = "med-limit";
      limit.textContent = status.getAttribute("data-full-message");
      status.appendChild(limit);
    }
  }

  // aria-disabled rather than disabled: the button stays in the Tab order, its message attached.
  function showLimit() {
    var full = keptRows() >= maxRows;
    if (full) {
      button.setAttribute("aria-disabled", "true");
      button.setAttribute("aria-describedby", "med-limit");
      if (!document.getElementById("med-limit")) {
        say("", true);
      }
    } else {
      button.removeAttribute("aria-disabled");
      button.removeAttribute("aria-describedby");
      var limit = document.getElementById("med-limit");
      if (limit) {
        limit.remove();
      }
    }
    return full;
  }

  function addRow() {
    var index = rows().length;
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var row = holder.content.querySelector("fieldset.med-row");
    var all = rows();
    var last = all[all.length - 1];
    if (last) {
      last.after(row);
    } else {
      template.before(row);
    }
    total.value = String(index + 1);
    watchRemoval(row);
    rememberCount();
    return row;
  }

  // The row count (no answers) in the history entry: if Back reloads the page, the rows are put
  // back before the browser restores what was typed into them.
  function rememberCount() {
    var state = history.state && typeof history.state === "object" ? history.state : {};
    var copy = {};
    for (var key in state) {
      if (Object.prototype.hasOwnProperty.call(state, key)) {
        copy[key] = state[key];
      }
    }
    copy.medicationRows = rows().length;
    history.replaceState(copy, "");
  }

  function watchRemoval(row) {
    var remove = row.querySelector('input[name$="-DELETE"]');
    if (remove) {
      remove.addEventListener("change", showLimit);
    }
  }

  button.addEventListener("click", function (event) {
    if (showLimit()) {
      event.preventDefault();
      say("", true);  // said again, so a screen reader hears why nothing was added
      return;
    }
    if (rows().length >= maxRows) {
      // Rows ticked for removal make room only once they are gone: the server drops them.
      return;
    }
    event.preventDefault();
    var row = addRow();
    var full = keptRows() >= maxRows;
    // The words come from the page, in its language: "Medication %(number)s added."
    var added = status.getAttribute("data-added-message") || "Medication %(number)s added.";
    say(added.replace("%(number)s", String(rows().length)), full);
    showLimit();
    row.querySelector("input, textarea, select").focus();
  });

  var wanted = history.state && history.state.medicationRows;
  while (wanted && rows().length < Math.min(wanted, maxRows)) {
    addRow();
  }
  var all = rows();
  for (var i = 0; i < all.length; i++) {
    watchRemoval(all[i]);
  }
  showLimit();
})();
