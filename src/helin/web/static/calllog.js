// The call log and the agent log: a click anywhere on a call's row opens the call, and the
// filters' pickers apply at once (the pages work without this script: links and a form).
"use strict";
(function () {
  document.querySelectorAll("tr[data-href]").forEach(function (row) {
    row.classList.add("clickable");
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, select")) return;
      location.assign(row.dataset.href);
    });
  });
  document.querySelectorAll(".agentlog-form select, .agentlog-form input").forEach(function (input) {
    input.addEventListener("change", function () {
      input.form.requestSubmit();
    });
  });
})();
