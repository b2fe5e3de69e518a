// One recording's page: mark or unmark to keep, delete after a confirmation, through the API;
// the player's position is mirrored in data-position (seconds) and data-played ("true" once it
// has played), so a test or an extension can see playback without script of its own.
"use strict";
(function () {
  const helin = window.helin;
  const root = document.getElementById("recording");
  if (!root) return;
  const id = root.dataset.recordingId;
  const error = root.querySelector(".error");
  const player = document.getElementById("player");

  player.addEventListener("timeupdate", function () {
    player.dataset.position = player.currentTime.toFixed(2);
    if (!player.paused && player.currentTime > 0) player.dataset.played = "true";
  });

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
