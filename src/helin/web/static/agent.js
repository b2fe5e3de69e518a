// The agent's page: log-in toggles, DND, pause, presented number, the last call's disposition
// code; live state and call logs.
"use strict";
(function () {
  const helin = window.helin;
  const me = Number(document.body.dataset.userId);
  const dnd = document.getElementById("dnd");
  const presented = document.getElementById("presented");
  const pause = document.getElementById("pause");
  const pauseNote = document.getElementById("pause-note");
  const busy = new Set(); // controls with a change on its way: live state does not touch them
  const signatures = new Map();

  // Send a change; on failure put the control back and say so.
  function change(control, method, url, body, undo) {
    busy.add(control);
    control.disabled = true;
    helin.notice("");
    helin.api(method, url, body)
      .catch(function () {
        undo();
        helin.notice(helin.t("error.save"));
      })
      .finally(function () {
        busy.delete(control);
        control.disabled = false;
      });
  }

  dnd.addEventListener("change", function () {
    const on = dnd.checked;
    change(dnd, "PUT", "/api/v1/me/dnd", { on: on }, function () { dnd.checked = !on; });
  });

  let paused = pause.value;
  pause.addEventListener("change", function () {
    const before = paused;
    paused = pause.value;
    change(pause, "PUT", "/api/v1/me/pause", { reason_id: paused ? Number(paused) : null },
      function () { pause.value = paused = before; });
  });

  // The pause as the live view gives it: the reason chosen, and since when (or "after this
  // call" while a ring, a call or its wrap-up goes on).
  function showPause(mine) {
    if (!busy.has(pause)) {
      const reason = mine.pause_reason_id === null ? "" : String(mine.pause_reason_id);
      if (pause.querySelector('option[value="' + reason + '"]')) pause.value = paused = reason;
    }
    pauseNote.textContent = "";
    if (mine.pause_reason_id === null) return;
    const waiting = helin.PENDING.indexOf(mine.state) >= 0;
    pauseNote.append(helin.t(waiting ? "agent.pause.pending" : "agent.pause.since") + " ");
    const since = document.createElement("time");
    since.setAttribute("datetime", mine.paused_since);
    pauseNote.append(since);
    helin.localizeTimes(pauseNote);
  }

  // The last call's card: fetched again whenever my state changes (a call begins or ends).
  const lastCall = document.getElementById("last-call");
  const disposition = document.getElementById("disposition");
  let lastState = null;

  function showLastCall(last) {
    lastCall.hidden = !last || !last.codes.length;
    if (!last) return;
    lastCall.querySelector('[data-field="group"]').textContent = last.group_name;
    lastCall.querySelector('[data-field="caller"]').textContent = last.caller;
    const answered = lastCall.querySelector('[data-field="answered"]');
    answered.setAttribute("datetime", last.answered_at || "");
    helin.localizeTimes(lastCall);
    lastCall.querySelector('[data-field="required"]').hidden = !last.required;
    if (busy.has(disposition)) return;
    while (disposition.options.length > 1) disposition.remove(1);
    last.codes.forEach(function (code) {
      disposition.add(new Option(code.code + " · " + code.name, String(code.code)));
    });
    disposition.value = last.disposition ? String(last.disposition.code) : "";
  }

  disposition.addEventListener("change", function () {
    if (!disposition.value) return; // a code is replaced by another, never taken away
    const code = Number(disposition.value);
    change(disposition, "PUT", "/api/v1/me/last-call/disposition", { code: code }, function () {
      disposition.value = "";
    });
  });

  function followLastCall(state) {
    if (state === lastState) return;
    lastState = state;
    helin.api("GET", "/api/v1/me/last-call")
      .then(function (response) { return response.json(); })
      .then(showLastCall)
      .catch(function () {});
  }

  let chosen = presented.value;
  presented.addEventListener("change", function () {
    const before = chosen;
    chosen = presented.value;
    change(presented, "PUT", "/api/v1/me/presented-number", { number: chosen || null },
      function () { presented.value = chosen = before; });
  });

  document.querySelectorAll("input.group-login").forEach(function (box) {
    box.addEventListener("change", function () {
      const on = box.checked;
      change(box, "PUT", "/api/v1/me/groups/" + box.dataset.groupId, { logged_in: on },
        function () { box.checked = !on; });
    });
  });

  helin.live(function (snapshot) {
    snapshot.groups.forEach(function (group) {
      const section = document.querySelector('section.group[data-group-id="' + group.id + '"]');
      if (!section) return;
      helin.showFigures(section, group);
      const mine = group.members.find(function (m) { return m.user_id === me; });
      if (mine) {
        const box = section.querySelector("input.group-login");
        if (box && !busy.has(box)) box.checked = mine.logged_in;
        const state = document.getElementById("my-state");
        state.textContent = helin.t("state." + mine.state);
        state.className = "state state-" + mine.state;
        if (!busy.has(dnd)) {
          if (mine.state === "dnd") dnd.checked = true;
          else if (["available", "ringing", "unreachable"].indexOf(mine.state) >= 0) dnd.checked = false;
        }
        showPause(mine);
        followLastCall(mine.state);
      }
      const signature = helin.logSignature(group);
      if (signatures.get(group.id) !== signature) {
        const first = !signatures.has(group.id);
        signatures.set(group.id, signature);
        if (!first) helin.refreshLog(section.querySelector("tbody.calllog-rows"));
      }
    });
  });
})();
