// The manager's settings page: queue settings (PATCH the group), opening hours (PUT .../hours)
// and agents (PUT/DELETE .../members/{user_id}). A 422's errors are shown next to the fields
// they name (detail[].loc); nothing the user typed is lost.
"use strict";
(function () {
  const helin = window.helin;
  const root = document.getElementById("settings");
  if (!root) return;
  const groupId = Number(root.dataset.groupId);
  const base = "/api/v1/groups/" + groupId;

  function clearErrors(scope) {
    scope.querySelectorAll(".field-error, .form-error").forEach(function (element) {
      element.textContent = "";
      element.hidden = true;
    });
    scope.querySelectorAll("[aria-invalid]").forEach(function (element) {
      element.removeAttribute("aria-invalid");
    });
    scope.querySelectorAll(".saved").forEach(function (element) { element.hidden = true; });
  }

  function showError(holder, text) {
    const own = holder.querySelector(":scope > .field-error") ||
      holder.querySelector(".field-error, .form-error");
    if (!own) return false;
    own.textContent = own.hidden ? text : own.textContent + " " + text;
    own.hidden = false;
    holder.querySelectorAll("input, select").forEach(function (input) {
      input.setAttribute("aria-invalid", "true");
    });
    return true;
  }

  function formError(scope, text) {
    const element = scope.querySelector(".form-error") || scope.querySelector(".field-error");
    if (element) {
      element.textContent = text;
      element.hidden = false;
    } else {
      helin.notice(text);
    }
  }

  // The element of ``scope`` that ``loc`` names: the longest prefix with a [data-loc].
  function holderFor(scope, loc) {
    const parts = loc.filter(function (part, index) {
      return !(index === 0 && (part === "body" || part === "path" || part === "query"));
    }).map(String);
    for (let size = parts.length; size > 0; size--) {
      const key = parts.slice(0, size).join(".");
      const found = Array.prototype.find.call(
        scope.querySelectorAll("[data-loc]"),
        function (element) { return element.dataset.loc === key; }
      );
      if (found) return found;
    }
    return null;
  }

  // Show what a failed request said; true when it was the API's own answer.
  async function showFailure(scope, error) {
    const response = error && error.response;
    if (!response) {
      formError(scope, helin.t("error.save"));
      return;
    }
    let body = null;
    try {
      body = await response.json();
    } catch (ignored) {
      body = null;
    }
    const detail = body && body.detail;
    if (Array.isArray(detail) && detail.length) {
      let placed = 0;
      detail.forEach(function (item) {
        const holder = holderFor(scope, item.loc || []);
        if (holder && showError(holder, item.msg)) placed++;
        else formError(scope, (item.loc || []).slice(1).join(".") + ": " + item.msg);
      });
      if (placed && scope.querySelector(".form-error")) formError(scope, helin.t("settings.invalid"));
      return;
    }
    formError(scope, typeof detail === "string" ? detail : helin.t("error.save"));
  }

  function saved(form) {
    const element = form.querySelector(".saved");
    if (element) element.hidden = false;
  }

  function numberOrText(text) {
    const trimmed = text.trim();
    if (trimmed !== "" && !isNaN(Number(trimmed))) return Number(trimmed);
    return trimmed === "" ? null : trimmed;
  }

  function orNull(text) {
    const trimmed = text.trim();
    return trimmed === "" ? null : trimmed;
  }

  // -- queue settings -------------------------------------------------------------------
  const queueForm = document.getElementById("queue-form");
  queueForm.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors(queueForm);
    const body = { queue: {}, overflow: {} };
    queueForm.querySelectorAll("[data-path]").forEach(function (input) {
      let value;
      if (input.dataset.type === "check") value = input.checked;
      else if (input.dataset.type === "number") value = numberOrText(input.value);
      else if (input.dataset.type === "clip") value = orNull(input.value);
      else value = input.value;
      const path = input.dataset.path.split(".");
      if (path.length === 2) body[path[0]][path[1]] = value;
      else body[path[0]] = value;
    });
    queueForm.querySelectorAll("[data-overflow]").forEach(function (set) {
      body.overflow[set.dataset.overflow] = {
        action: set.querySelector(".o-action").value,
        target: orNull(set.querySelector(".o-target").value),
        clip: orNull(set.querySelector(".o-clip").value),
      };
    });
    const button = queueForm.querySelector("button[type=submit]");
    button.disabled = true;
    helin.api("PATCH", base, body)
      .then(function () { saved(queueForm); })
      .catch(function (error) { return showFailure(queueForm, error); })
      .finally(function () { button.disabled = false; });
  });

  // -- opening hours --------------------------------------------------------------------
  const hoursForm = document.getElementById("hours-form");

  function fromTemplate(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }

  function markClosedDays() {
    hoursForm.querySelectorAll("fieldset.day").forEach(function (day) {
      const empty = day.querySelectorAll(".range").length === 0;
      day.querySelector(".closed-all-day").hidden = !empty;
      day.classList.toggle("is-closed", empty);
    });
  }

  hoursForm.addEventListener("click", function (event) {
    const target = event.target;
    if (target.closest(".add-range")) {
      const day = target.closest("fieldset.day");
      const row = fromTemplate("range-template");
      day.querySelector(".ranges").appendChild(row);
      row.querySelector(".start").focus();
    } else if (target.closest(".remove-range")) {
      target.closest(".range").remove();
    } else if (target.closest(".add-exception")) {
      const row = fromTemplate("exception-template");
      hoursForm.querySelector(".exceptions").appendChild(row);
      row.querySelector(".date").focus();
    } else if (target.closest(".remove-exception")) {
      target.closest(".exception").remove();
    } else {
      return;
    }
    markClosedDays();
  });

  hoursForm.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors(hoursForm);
    const hours = {};
    hoursForm.querySelectorAll("fieldset.day").forEach(function (day) {
      const ranges = [];
      day.querySelectorAll(".range").forEach(function (row) {
        const start = row.querySelector(".start").value;
        const end = row.querySelector(".end").value;
        if (start || end) ranges.push(start + "-" + end);
      });
      if (ranges.length) hours[day.dataset.day] = ranges;
    });
    const exceptions = [];
    hoursForm.querySelectorAll(".exception").forEach(function (row, index) {
      row.dataset.loc = "exceptions." + index;
      const item = { date: row.querySelector(".date").value || null };
      const special = row.querySelector(".hours").value.trim();
      if (special) item.hours = special;
      item.note = row.querySelector(".note").value;
      exceptions.push(item);
    });
    const holidays = hoursForm.querySelector(".holidays").value.trim().toUpperCase();
    const body = {
      hours: hours,
      exceptions: exceptions,
      timezone: hoursForm.dataset.timezone,
      holidays: holidays || null,
    };
    const button = hoursForm.querySelector("button[type=submit]");
    button.disabled = true;
    helin.api("PUT", base + "/hours", body)
      .then(function () { saved(hoursForm); })
      .catch(function (error) { return showFailure(hoursForm, error); })
      .finally(function () { button.disabled = false; });
  });
  markClosedDays();

  // -- agents ---------------------------------------------------------------------------
  const members = document.getElementById("members");

  function reloadMembers() {
    return helin.part(members.dataset.src).then(function (html) {
      members.innerHTML = html;
    });
  }

  function memberId(form) {
    const text = form.querySelector(".user").value.trim();
    const options = form.querySelectorAll("#agent-names option");
    const match = Array.prototype.find.call(options, function (option) {
      return option.value.toLowerCase() === text.toLowerCase();
    });
    if (match) return match.dataset.userId;
    if (/^[0-9]+$/.test(text)) return text; // a user id: the API says whether it fits
    return null;
  }

  members.addEventListener("submit", function (event) {
    const form = event.target.closest("#add-member");
    if (!form) return;
    event.preventDefault();
    clearErrors(members);
    const holder = form.querySelector('[data-loc="user_id"]');
    if (!form.querySelector(".user").value.trim()) {
      showError(holder, helin.t("members.add.empty"));
      return;
    }
    const id = memberId(form);
    if (id === null) {
      showError(holder, helin.t("members.add.unknown"));
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    helin.api("PUT", base + "/members/" + encodeURIComponent(id), {})
      .then(reloadMembers)
      .catch(function (error) {
        button.disabled = false;
        return showFailure(form, error);
      });
  });

  members.addEventListener("click", function (event) {
    const row = event.target.closest("tr.member");
    if (!row) return;
    const button = event.target.closest("button");
    if (!button) return;
    clearErrors(members);
    const url = base + "/members/" + row.dataset.userId;
    let request;
    if (button.classList.contains("remove-member")) {
      request = helin.api("DELETE", url).then(reloadMembers);
    } else if (button.classList.contains("save-member")) {
      request = helin.api("PUT", url, {
        order: numberOrText(row.querySelector(".order").value),
        weight: numberOrText(row.querySelector(".weight").value),
        priority: numberOrText(row.querySelector(".priority").value),
      }).then(function () {
        return reloadMembers();
      });
    } else {
      return;
    }
    button.disabled = true;
    request.catch(function (error) {
      button.disabled = false;
      return showFailure(row, error);
    });
  });
})();
