// The company's clips: upload (the file itself is the request's body), replace a clip's
// audio, delete. What helin refuses (422, 409, 413) is shown next to the form or the clip.
"use strict";
(function () {
  const helin = window.helin;
  const root = document.getElementById("clips");
  if (!root) return;

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return (meta && meta.content) || "";
  }

  function show(element, text) {
    element.textContent = text;
    element.hidden = !text;
  }

  // The reason helin gave, for the person uploading.
  async function reason(response) {
    if (response.status === 413) return helin.t("clips.toolarge");
    let body = null;
    try {
      body = await response.json();
    } catch (ignored) {
      body = null;
    }
    const detail = body && body.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail) && detail.length) {
      return detail.map(function (item) { return item.msg; }).join(" ");
    }
    return helin.t("error.save");
  }

  // Send a file as the body; resolve on success, else to the reason.
  async function send(method, url, file) {
    const response = await fetch(url, {
      method: method,
      body: file,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": file.type || "application/octet-stream",
        "X-CSRF-Token": csrf(),
      },
    });
    if (response.status === 401) {
      location.assign("/login?next=" + encodeURIComponent(location.pathname));
      return helin.t("error.save");
    }
    if (response.ok) return null;
    return reason(response);
  }

  const form = document.getElementById("upload-form");
  const formError = form.querySelector(".form-error");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(formError, "");
    const file = form.querySelector(".file").files[0];
    const name = form.querySelector(".name").value.trim();
    if (!file) {
      show(formError, helin.t("clips.nofile"));
      return;
    }
    if (!name) {
      show(formError, helin.t("clips.noname"));
      return;
    }
    const query = "?name=" + encodeURIComponent(name) +
      "&kind=" + encodeURIComponent(form.querySelector(".kind").value) +
      "&filename=" + encodeURIComponent(file.name);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    send("POST", "/api/v1/clips" + query, file)
      .then(function (failure) {
        if (failure === null) {
          location.reload();
          return;
        }
        show(formError, failure);
        button.disabled = false;
      })
      .catch(function () {
        show(formError, helin.t("error.save"));
        button.disabled = false;
      });
  });

  root.addEventListener("change", function (event) {
    const input = event.target.closest(".replace-file");
    if (!input || !input.files[0]) return;
    const item = input.closest(".clip");
    const error = item.querySelector(".field-error");
    show(error, "");
    const file = input.files[0];
    const url = "/api/v1/clips/" + item.dataset.clipId + "/file?filename=" +
      encodeURIComponent(file.name);
    send("PUT", url, file)
      .then(function (failure) {
        if (failure === null) location.reload();
        else show(error, failure);
      })
      .catch(function () { show(error, helin.t("error.save")); });
    input.value = "";
  });

  root.addEventListener("click", function (event) {
    const button = event.target.closest(".delete-clip");
    if (!button) return;
    const item = button.closest(".clip");
    const error = item.querySelector(".field-error");
    show(error, "");
    button.disabled = true;
    helin.api("DELETE", "/api/v1/clips/" + item.dataset.clipId)
      .then(function () { item.remove(); })
      .catch(async function (failure) {
        button.disabled = false;
        show(error, failure.response ? await reason(failure.response) : helin.t("error.save"));
      });
  });
})();
