// The statistics page's charts, one per group: offered, answered and abandoned calls per
// period as bars, and the service level as a line on its own axis, drawn with uPlot from the
// API's JSON.
"use strict";
(function () {
  const elements = document.querySelectorAll(".group-chart[data-api]");
  if (!elements.length || typeof uPlot === "undefined") return;
  const t = window.helin.t;

  // Offered as a wide pale bar; answered and abandoned side by side in front of it.
  function bars(fill, size, align) {
    const paths = uPlot.paths.bars({ size: [size, 60], align: align });
    return { paths: paths, fill: fill, stroke: fill, width: 0, points: { show: false } };
  }

  function timeFormat(interval, zone) {
    const lang = document.documentElement.lang || "en";
    const parts = interval === "15min" || interval === "hour"
      ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
      : { day: "numeric", month: "short" };
    const format = new Intl.DateTimeFormat(lang, Object.assign({ timeZone: zone }, parts));
    return (seconds) => format.format(new Date(seconds * 1000));
  }

  async function draw(element) {
    const response = await window.helin.api("GET", element.dataset.api);
    const answer = await response.json();
    const group = answer.groups[0];
    if (!group) return;
    const periods = group.periods;
    const label = timeFormat(answer.interval, group.timezone);
    const data = [
      periods.map((p) => Date.parse(p.start) / 1000),
      periods.map((p) => p.offered),
      periods.map((p) => p.answered),
      periods.map((p) => p.abandoned),
      periods.map((p) => (p.service_level === null ? null : 100 * p.service_level)),
    ];
    const options = {
      width: Math.max(300, element.clientWidth),
      height: 260,
      scales: { sl: { range: [0, 100] } },
      series: [
        { value: (u, seconds) => (seconds === null ? "" : label(seconds)) },
        Object.assign({ label: t("stats.offered") }, bars("rgba(90, 110, 140, 0.3)", 0.9, 0)),
        Object.assign({ label: t("stats.answered") }, bars("rgba(40, 130, 80, 0.85)", 0.4, -1)),
        Object.assign({ label: t("stats.abandoned") }, bars("rgba(190, 60, 50, 0.85)", 0.4, 1)),
        { label: t("stats.sl") + " %", scale: "sl", stroke: "#1f4fa3", width: 2, spanGaps: false },
      ],
      axes: [
        { values: (u, ticks) => ticks.map(label) },
        { label: t("stats.calls") },
        { side: 1, scale: "sl", label: "%", grid: { show: false } },
      ],
    };
    element.replaceChildren();
    new uPlot(options, data, element);
    element.dataset.drawn = String(periods.length);
  }

  for (const element of elements) {
    draw(element).catch((error) => window.helin.notice(String(error)));
  }
})();
