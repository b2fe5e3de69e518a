// The sign-in form: POST /api/v1/auth/login; the session cookie is set by helin.
"use strict";
(function () {
  const helin = window.helin;
  const form = document.getElementById("login");
  const error = document.getElementById("login-error");

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    error.hidden = true;
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch("/api/v1/auth/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({
          username: form.elements.username.value,
          password: form.elements.password.value,
        }),
      });
      if (response.ok) {
        // The token also comes with every page (meta csrf-token); keep it for this tab.
        const body = await response.json();
        sessionStorage.setItem("helin-csrf", body.csrf_token);
        const next = form.dataset.next || "/";
        location.assign(next.charAt(0) === "/" && next.charAt(1) !== "/" ? next : "/");
        return;
      }
      error.textContent = helin.t(
        response.status === 429 ? "login.blocked"
          : response.status === 401 || response.status === 422 ? "login.wrong" : "login.failed");
    } catch (e) {
      error.textContent = helin.t("login.failed");
    }
    error.hidden = false;
    button.disabled = false;
  });
})();
