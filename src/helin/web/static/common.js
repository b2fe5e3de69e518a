// helin's web app: what every page's script shares (window.helin).
"use strict";
(function () {
  const strings = JSON.parse(document.getElementById("strings").textContent);

  function t(key) {
    return Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
  }

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return (meta && meta.content) || sessionStorage.getItem("helin-csrf") || "";
  }

  function toLogin() {
    location.assign("/login?next=" + encodeURIComponent(location.pathname));
  }

  // A request to helin; changes carry the session's CSRF token. Throws on failure.
  async function api(method, url, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf();
    const options = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    if (response.status === 401) {
      toLogin();
      throw new Error("signed out");
    }
    if (!response.ok) {
      const error = new Error(method + " " + url + ": " + response.status);
      error.response = response; // for a caller that shows the API's answer (422: the field)
      throw error;
    }
    return response;
  }

  // A part of a page rendered (and escaped) by helin, as HTML text.
  async function part(url) {
    const response = await api("GET", url);
    return response.text();
  }

  function notice(text) {
    const element = document.getElementById("notice");
    if (!element) return;
    element.textContent = text || "";
    element.hidden = !text;
  }

  function waitText(seconds) {
    const whole = Math.max(0, Math.floor(seconds));
    const hours = Math.floor(whole / 3600);
    const minutes = Math.floor((whole % 3600) / 60);
    const secs = String(whole % 60).padStart(2, "0");
    if (hours) return hours + ":" + String(minutes).padStart(2, "0") + ":" + secs;
    return minutes + ":" + secs;
  }

  // <time datetime> elements shown in the browser's time zone and language.
  function localizeTimes(root) {
    const today = new Date().toDateString();
    root.querySelectorAll("time[datetime]").forEach(function (element) {
      const moment = new Date(element.getAttribute("datetime"));
      if (isNaN(moment.getTime())) return;
      const lang = document.documentElement.lang;
      const time = moment.toLocaleTimeString(lang, { hour12: false });
      element.textContent =
        moment.toDateString() === today ? time : moment.toLocaleDateString(lang) + " " + time;
    });
  }

  // Follow live state: the WebSocket's snapshots; while it is down, GET /api/v1/live every
  // 5 s, and reconnect after 1, 2, 4 ... at most 30 s.
  function live(onSnapshot) {
    let delay = 1000;
    let poller = null;
    let leaving = false;
    let socket = null;

    function poll() {
      api("GET", "/api/v1/live")
        .then(function (response) { return response.json(); })
        .then(onSnapshot)
        .catch(function () {});
    }
    function startPolling() {
      if (poller === null) poller = setInterval(poll, 5000);
    }
    function stopPolling() {
      if (poller !== null) clearInterval(poller);
      poller = null;
    }
    function connect() {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      socket = new WebSocket(scheme + "//" + location.host + "/api/v1/live/ws");
      socket.onopen = function () {
        delay = 1000;
        stopPolling();
        notice("");
      };
      socket.onmessage = function (event) {
        onSnapshot(JSON.parse(event.data));
      };
      socket.onclose = function () {
        if (leaving) return;
        notice(t("error.offline"));
        poll();
        startPolling();
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      };
    }
    window.addEventListener("pagehide", function () {
      leaving = true;
      if (socket) socket.close();
    });
    connect();
  }

  // Refresh a call log <tbody data-src> from helin; one request at a time, the last wins.
  const refreshing = new WeakMap();
  function refreshLog(tbody) {
    const state = refreshing.get(tbody);
    if (state) {
      state.again = true;
      return;
    }
    const mine = { again: false };
    refreshing.set(tbody, mine);
    part(tbody.dataset.src)
      .then(function (html) {
        tbody.innerHTML = html;
        localizeTimes(tbody);
      })
      .catch(function () {})
      .finally(function () {
        refreshing.delete(tbody);
        if (mine.again) refreshLog(tbody);
      });
  }

  // What in a group's live state may come with a new call log line.
  function logSignature(group) {
    return JSON.stringify([
      group.log_version,
      group.open,
      group.queued,
      group.agents,
      group.members.map(function (m) { return [m.user_id, m.logged_in, m.state]; }),
    ]);
  }

  const BUSY = ["on_call", "busy"];
  function busy(group) {
    return group.members.filter(function (m) {
      return m.logged_in && BUSY.indexOf(m.state) >= 0;
    }).length;
  }

  const PENDING = ["ringing", "on_call", "wrap_up"]; // a pause asked for waits for these
  // A member's state as the live view shows it, with the pause reason: "Paused · Lunch", or
  // "On a call · pause next: Lunch" while the pause waits for the call to end.
  function stateText(member) {
    if (!member.logged_in) return t("state.logged_out");
    const text = t("state." + member.state);
    if (!member.pause) return text;
    const next = PENDING.indexOf(member.state) >= 0 ? t("live.pause_next") + " " : "";
    return text + " · " + next + member.pause;
  }

  function statusText(open) {
    if (open === null) return t("group.unknown");
    return open ? t("group.open") : t("group.closed");
  }

  // The figures a group card or detail shows (elements with data-field inside ``element``).
  function showFigures(element, group) {
    const values = {
      status: statusText(group.open),
      logged_in: group.agents.logged_in,
      available: group.agents.available,
      busy: busy(group),
      paused: group.agents.paused,
      queued: group.queued,
      longest: waitText(group.longest_wait),
    };
    element.classList.toggle("closed", group.open === false);
    Object.keys(values).forEach(function (name) {
      const field = element.querySelector('[data-field="' + name + '"]');
      if (field) field.textContent = String(values[name]);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localizeTimes(document);
    const signout = document.getElementById("signout");
    if (signout) {
      signout.addEventListener("click", function () {
        api("POST", "/api/v1/auth/logout")
          .catch(function () {})
          .finally(function () { location.assign("/login"); });
      });
    }
  });

  window.helin = {
    t: t, api: api, part: part, notice: notice, waitText: waitText, live: live,
    localizeTimes: localizeTimes, refreshLog: refreshLog, logSignature: logSignature,
    showFigures: showFigures, stateText: stateText, PENDING: PENDING,
  };
})();
