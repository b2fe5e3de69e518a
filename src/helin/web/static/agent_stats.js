// The agent statistics page's chart: each agent's logged-in time as stacked bars of its
// states (available, ringing, on a call, ...), drawn with uPlot from the API's JSON. With
// one agent, a bar per period instead.
"use strict";
(function () {
  const element = document.getElementById("agent-chart");
  if (!element || typeof uPlot === "undefined") return;
  const t = window.helin.t;
  const STATES = [
    ["available", "rgba(40, 130, 80, 0.85)"],
    ["ringing", "rgba(230, 170, 40, 0.9)"],
    ["on_call", "rgba(31, 79, 163, 0.9)"],
    ["wrap_up", "rgba(120, 90, 180, 0.85)"],
    ["busy", "rgba(90, 110, 140, 0.8)"],
    ["dnd", "rgba(190, 60, 50, 0.85)"],
    ["paused", "rgba(200, 120, 60, 0.85)"],
    ["unreachable", "rgba(150, 150, 150, 0.7)"],
    ["other_group", "rgba(200, 200, 200, 0.8)"],
  ];

  function dayFormat(interval, zone) {
    const lang = document.documentElement.lang || "en";
    const parts = interval === "15min" || interval === "hour"
      ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
      : { day: "numeric", month: "short" };
    return new Intl.DateTimeFormat(lang, Object.assign({ timeZone: zone }, parts));
  }

  async function draw() {
    const response = await window.helin.api("GET", element.dataset.api);
    const answer = await response.json();
    const agents = answer.agents;
    if (!agents.length) return;
    const single = agents.length === 1;
    const columns = single ? agents[0].periods : agents.map((a) => a.total);
    const names = single
      ? (() => {
          const format = dayFormat(answer.interval, answer.timezone);
          return agents[0].periods.map((p) => format.format(new Date(p.start)));
        })()
      : agents.map((a) => a.name);
    // stacked: each series is the running total up to its state, drawn tallest first
    const stacks = [];
    let running = columns.map(() => 0);
    for (const [state] of STATES) {
      running = running.map((sum, i) => sum + columns[i][state] / 3600);
      stacks.push(running.slice());
    }
    const data = [columns.map((_, i) => i)];
    const series = [{ label: single ? t("stats.start") : t("astats.agent"), value: (u, i) => (i === null ? "" : names[i] || "") }];
    for (let s = STATES.length - 1; s >= 0; s--) {
      const [state, fill] = STATES[s];
      data.push(stacks[s]);
      series.push({
        label: t("astats." + state),
        fill: fill,
        stroke: fill,
        width: 0,
        points: { show: false },
        paths: uPlot.paths.bars({ size: [0.7, 60] }),
        value: (u, v, si, i) => (i === null ? "" : (columns[i][state] / 3600).toFixed(2) + " h"),
      });
    }
    const options = {
      width: Math.max(300, element.clientWidth),
      height: 280,
      scales: { x: { time: false, range: [-0.5, columns.length - 0.5] } },
      series: series,
      axes: [
        { values: (u, ticks) => ticks.map((i) => (Number.isInteger(i) ? names[i] || "" : "")) },
        { label: t("astats.hours") },
      ],
    };
    element.replaceChildren();
    new uPlot(options, data, element);
    element.dataset.drawn = String(columns.length);
  }

  draw().catch((error) => window.helin.notice(String(error)));
})();
