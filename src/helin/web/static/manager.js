// The manager's pages: the overview of every group and one group's detail, live.
"use strict";
(function () {
  const helin = window.helin;
  const overview = document.getElementById("overview");
  const detail = document.getElementById("detail");
  let swapping = false;

  function swap(container, then) {
    if (swapping) return;
    swapping = true;
    helin.part(container.dataset.src)
      .then(function (html) {
        container.innerHTML = html;
        helin.localizeTimes(container);
        if (then) then();
      })
      .catch(function () {})
      .finally(function () { swapping = false; });
  }

  function ids(list) {
    return list.map(function (item) { return String(item); }).join(",");
  }

  if (overview) {
    helin.live(function (snapshot) {
      const now = ids(snapshot.groups.map(function (g) { return g.id; }));
      if (now !== overview.dataset.groupIds) {
        swap(overview, function () { overview.dataset.groupIds = now; });
        return;
      }
      snapshot.groups.forEach(function (group) {
        const card = overview.querySelector('.group-card[data-group-id="' + group.id + '"]');
        if (card) helin.showFigures(card, group);
      });
    });
  }

  if (detail) {
    const groupId = Number(detail.dataset.groupId);
    let signature = null;

    let last = null;

    function show(group) {
      const section = detail.querySelector("section.group");
      if (!section) return;
      helin.showFigures(section, group);
      group.members.forEach(function (member) {
        const row = detail.querySelector('tr[data-user-id="' + member.user_id + '"]');
        if (!row) return;
        row.querySelector('[data-field="login"]').textContent =
          helin.t(member.logged_in ? "yes" : "no");
        const state = row.querySelector('[data-field="state"]');
        const key = member.logged_in ? member.state : "logged_out";
        state.textContent = helin.stateText(member);
        state.className = "state state-" + key;
        member.devices.forEach(function (device) {
          const item = row.querySelector('li[data-device-id="' + device.id + '"] [data-field="device"]');
          if (!item) return;
          item.textContent = helin.t("device." + device.status);
          item.className = "device device-" + device.status;
        });
      });
    }

    helin.live(function (snapshot) {
      const group = snapshot.groups.find(function (g) { return g.id === groupId; });
      const section = detail.querySelector("section.group");
      if (!group || !section) return;
      const members = ids(group.members.map(function (m) { return m.user_id; }));
      last = group;
      if (members !== section.dataset.memberIds) {
        swap(detail, function () { show(last); });
        return;
      }
      show(group);
      const now = helin.logSignature(group);
      if (signature !== null && signature !== now) {
        helin.refreshLog(detail.querySelector("tbody.calllog-rows"));
      }
      signature = now;
    });

    detail.addEventListener("click", function (event) {
      const button = event.target.closest("button.override");
      if (!button) return;
      button.disabled = true;
      helin.notice("");
      const mode = button.dataset.mode || null;
      helin.api("PUT", "/api/v1/groups/" + groupId + "/override", { mode: mode })
        .then(function () {
          swap(detail, function () { if (last) show(last); });
        })
        .catch(function () {
          button.disabled = false;
          helin.notice(helin.t("error.save"));
        });
    });
  }
})();
