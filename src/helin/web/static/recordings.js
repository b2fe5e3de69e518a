// One recording's page: mark or unmark to keep, delete after a confirmation, through the API.
"use strict";
(function () {
  const helin = window.helin;
  const root = document.getElementById("recording");
  if (!root) return;
  const id = root.dataset.recordingId;
  const error = root.querySelector(".error");

  function fail() {
    error.textContent = helin.t("error.save");
    error.hidden = false;
  }

  document.getElementById("keep").addEventListener("click", async function () {
    const keep = root.dataset.kept !== "true";
    try {
      await helin.api("PATCH", "/api/v1/recordings/" + id, { keep: keep });
      location.reload();
    } catch (ignored) {
      fail();
    }
  });

  document.getElementById("delete").addEventListener("click", async function () {
    if (!window.confirm(helin.t("recordings.delete.confirm"))) return;
    try {
      await helin.api("DELETE", "/api/v1/recordings/" + id);
      location.assign("/manager/recordings");
    } catch (ignored) {
      fail();
    }
  });
})();
