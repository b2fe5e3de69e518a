// Forms that talk to the API: the tenant admin's and the operator's pages (#admin) and any
// [data-api-forms] part of another page (a group's disposition codes). An element with
// [data-api] (a form, or a table row) sends its inputs as JSON to data-url with data-method: checkboxes named alike make a
// list (rights), [data-bool] a true/false, [data-int] a number, an "owner" select
// ("user:7" / "group:3") user_id or group_id, a [data-path-param] fills {name} in the URL;
// empty text is left out. A password helin made is shown once in the [data-once] box;
// otherwise the page is loaded again. [data-delete] buttons DELETE their URL. What helin
// refuses is shown next to the field its 422 names, or under the form or row.
"use strict";
(function () {
  const helin = window.helin;
  document.querySelectorAll("#admin, [data-api-forms]").forEach(function (root) {
    wire(root);
  });

  function show(element, text) {
    if (!element) {
      helin.notice(text);
      return;
    }
    element.textContent = text;
    element.hidden = !text;
  }

  function clear(scope) {
    scope.querySelectorAll(".field-error, .form-error").forEach(function (element) {
      show(element, "");
    });
    scope.querySelectorAll("[aria-invalid]").forEach(function (element) {
      element.removeAttribute("aria-invalid");
    });
    scope.querySelectorAll(".saved").forEach(function (element) { element.hidden = true; });
  }

  async function showFailure(scope, error) {
    const formError = scope.querySelector(".form-error");
    const response = error && error.response;
    if (!response) {
      show(formError, helin.t("error.save"));
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
      const loose = [];
      detail.forEach(function (item) {
        const loc = (item.loc || []).filter(function (part, index) {
          return !(index === 0 && part === "body");
        }).map(String);
        const holder = loc.length
          ? Array.prototype.find.call(scope.querySelectorAll("[data-loc]"), function (element) {
            return element.dataset.loc === loc[0];
          })
          : null;
        const own = holder && holder.querySelector(".field-error");
        if (own) {
          show(own, item.msg);
          holder.querySelectorAll("input, select").forEach(function (input) {
            input.setAttribute("aria-invalid", "true");
          });
        } else {
          loose.push((loc.length ? loc.join(".") + ": " : "") + item.msg);
        }
      });
      if (loose.length) show(formError, loose.join(" "));
      return;
    }
    show(formError, typeof detail === "string" ? detail : helin.t("error.save"));
  }

  function collect(scope) {
    const body = {};
    const params = {};
    scope.querySelectorAll("input[name], select[name]").forEach(function (input) {
      const name = input.name;
      if (input.type === "checkbox" && !("bool" in input.dataset)) {
        if (!body[name]) body[name] = [];
        if (input.checked) body[name].push(input.value);
      } else if (input.type === "checkbox") {
        body[name] = input.checked;
      } else if ("pathParam" in input.dataset) {
        params[name] = input.value;
      } else if (name === "owner") {
        const parts = input.value.split(":");
        body[parts[0] + "_id"] = Number(parts[1]);
      } else if ("int" in input.dataset) {
        body[name] = Number(input.value);
      } else if (input.value.trim() !== "") {
        body[name] = input.value.trim();
      }
    });
    return { body: body, params: params };
  }

  function fill(box, answer) {
    box.querySelectorAll("[data-field]").forEach(function (element) {
      const value = answer[element.dataset.field];
      element.textContent = value === null || value === undefined ? "" : String(value);
    });
    box.querySelectorAll("a[data-link]").forEach(function (link) {
      link.href = link.dataset.link.replace("{id}", encodeURIComponent(answer.id));
    });
    box.hidden = false;
  }

  function send(scope, button) {
    clear(scope);
    const made = collect(scope);
    const url = scope.dataset.url.replace(/\{(\w+)\}/g, function (all, name) {
      return encodeURIComponent(made.params[name] || "");
    });
    button.disabled = true;
    helin.api(scope.dataset.method, url, made.body)
      .then(function (response) {
        if (!scope.dataset.once) {
          location.reload();
          return null;
        }
        return response.json().then(function (answer) {
          fill(document.querySelector(scope.dataset.once), answer);
          scope.querySelectorAll("input:not([type=checkbox])").forEach(function (input) {
            input.value = "";
          });
          button.disabled = false;
        });
      })
      .catch(function (error) {
        button.disabled = false;
        return showFailure(scope, error);
      });
  }

  function wire(root) {
    root.addEventListener("submit", function (event) {
      const form = event.target.closest("form[data-api]");
      if (!form) return;
      event.preventDefault();
      send(form, form.querySelector("button[type=submit]"));
    });

    root.addEventListener("click", function (event) {
      const button = event.target.closest("button");
      if (!button) return;
      const scope = button.closest("[data-api], tr") || root;
      if (button.classList.contains("send") && scope.dataset.api !== undefined) {
        send(scope, button);
      } else if (button.dataset.delete) {
        clear(scope);
        button.disabled = true;
        helin.api("DELETE", button.dataset.delete)
          .then(function () { location.reload(); })
          .catch(function (error) {
            button.disabled = false;
            return showFailure(scope, error);
          });
      }
    });
  }
})();
