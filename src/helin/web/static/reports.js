// The reports page: order a report, send one now, pause, resume or delete an order, all
// through /api/v1/report-orders; a refused order shows the API's reasons under the form.
"use strict";
(function () {
  const helin = window.helin;

  function showFields(form) {
    const frequency = form.elements.frequency.value;
    const show = {
      once: frequency === "once",
      recurring: frequency !== "once",
      weekly: frequency === "weekly",
      monthly: frequency === "monthly",
    };
    for (const [name, visible] of Object.entries(show)) {
      form.querySelectorAll(".field.only-" + name).forEach(function (field) {
        field.hidden = !visible;
      });
    }
  }

  function body(form) {
    const e = form.elements;
    const number = function (value) {
      return value === "" ? null : Number(value);
    };
    const out = {
      report: e.report.value,
      group_ids: Array.from(e.group_ids.selectedOptions).map(function (o) {
        return Number(o.value);
      }),
      frequency: e.frequency.value,
      interval: e.interval.value,
      threshold: number(e.threshold.value),
      formula: e.formula.value,
      formats: Array.from(form.querySelectorAll('input[name="formats"]:checked')).map(function (c) {
        return c.value;
      }),
      recipients: e.recipients.value.split(/[\s,;]+/).filter(Boolean),
      language: e.language.value,
      title: e.title.value,
    };
    if (out.frequency === "once") {
      out.since = e.since.value || null;
      out.until = e.until.value || null;
    } else {
      out.send_at = e.send_at.value;
      out.weekday = Number(e.weekday.value);
      out.month_day = Number(e.month_day.value);
      out.ends_on = e.ends_on.value || null;
      out.max_runs = number(e.max_runs.value);
    }
    return out;
  }

  async function reasons(error) {
    if (!error.response) return helin.t("error.save");
    try {
      const answer = await error.response.json();
      if (Array.isArray(answer.detail)) {
        return answer.detail
          .map(function (d) {
            return d.loc.slice(1).join(".") + ": " + d.msg;
          })
          .join("; ");
      }
      return String(answer.detail);
    } catch (ignored) {
      return helin.t("error.save");
    }
  }

  const form = document.getElementById("order-form");

  // Fill the form with an order to change it: the form then saves with PUT.
  function edit(order) {
    const e = form.elements;
    e.report.value = order.report;
    Array.from(e.group_ids.options).forEach(function (o) {
      o.selected = order.group_ids.indexOf(Number(o.value)) >= 0;
    });
    e.frequency.value = order.frequency;
    e.since.value = order.since || "";
    e.until.value = order.until || "";
    e.send_at.value = order.send_at;
    e.weekday.value = String(order.weekday);
    e.month_day.value = String(order.month_day);
    e.ends_on.value = order.ends_on || "";
    e.max_runs.value = order.max_runs === null ? "" : String(order.max_runs);
    e.interval.value = order.interval;
    e.threshold.value = order.threshold === null ? "" : String(order.threshold);
    e.formula.value = order.formula;
    form.querySelectorAll('input[name="formats"]').forEach(function (c) {
      c.checked = order.formats.indexOf(c.value) >= 0;
    });
    e.language.value = order.language;
    e.recipients.value = order.recipients.join(", ");
    e.title.value = order.title;
    form.dataset.orderId = String(order.id);
    form.dataset.paused = order.paused ? "true" : "false";
    form.dataset.timezone = order.timezone;
    document.getElementById("order-submit").textContent = helin.t("reports.save");
    document.getElementById("order-cancel").hidden = false;
    showFields(form);
    form.scrollIntoView();
  }

  if (form) {
    document.getElementById("order-cancel").addEventListener("click", function () {
      location.reload();
    });
    showFields(form);
    form.elements.frequency.addEventListener("change", function () {
      showFields(form);
    });
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const error = form.querySelector(".error");
      error.hidden = true;
      try {
        const id = form.dataset.orderId;
        if (id) {
          const change = body(form);
          change.paused = form.dataset.paused === "true";
          change.timezone = form.dataset.timezone;
          await helin.api("PUT", "/api/v1/report-orders/" + id, change);
        } else {
          await helin.api("POST", "/api/v1/report-orders", body(form));
        }
        location.reload();
      } catch (failure) {
        error.textContent = await reasons(failure);
        error.hidden = false;
      }
    });
  }

  async function act(button, method, url, payload) {
    try {
      await helin.api(method, url, payload);
      location.reload();
    } catch (failure) {
      helin.notice(await reasons(failure));
    }
  }

  document.querySelectorAll("[data-order-id]").forEach(function (row) {
    const url = "/api/v1/report-orders/" + row.dataset.orderId;
    const change = row.querySelector(".edit");
    if (change && form) {
      change.addEventListener("click", async function () {
        edit(await (await helin.api("GET", url)).json());
      });
    }
    const send = row.querySelector(".send-now");
    if (send) send.addEventListener("click", function () { act(send, "POST", url + "/send"); });
    const remove = row.querySelector(".delete");
    if (remove) {
      remove.addEventListener("click", function () {
        if (window.confirm(helin.t("reports.delete.confirm"))) act(remove, "DELETE", url);
      });
    }
    const pause = row.querySelector(".pause");
    if (pause) {
      pause.addEventListener("click", async function () {
        const current = await (await helin.api("GET", url)).json();
        const keys = ["title", "report", "group_ids", "interval", "threshold", "formula", "formats",
          "recipients", "language", "frequency", "timezone", "since", "until", "send_at",
          "weekday", "month_day", "covers", "ends_on", "max_runs"];
        const change = { paused: row.dataset.paused !== "true" };
        keys.forEach(function (k) { change[k] = current[k]; });
        act(pause, "PUT", url, change);
      });
    }
  });
})();
