// Charts of the statistics dashboard and the big screen (ECharts, served by the application).
// The data comes from the page's json_script element "stats-charts"; no inline script (strict CSP).
// Tooltips render on the canvas (renderMode "richText"): ECharts' HTML tooltips carry style attributes,
// which the Content-Security-Policy refuses.
(() => {
  "use strict";

  const source = document.getElementById("stats-charts");
  if (!source || typeof window.echarts === "undefined") {
    return;
  }
  const specs = JSON.parse(source.textContent);
  const dark = document.body.classList.contains("big-screen");
  const palette = ["#1f5fa8", "#e07b24", "#2e9d5b", "#c23b3b", "#7b5ea7", "#1a9eb0", "#b8860b", "#6b7a8f"];

  // 1234567 → "1,234,567"; 1234567.8 (yuan) → "1,234,567.80".
  const full = (value, unit) => {
    if (value === null || value === undefined) {
      return "—";
    }
    if (unit === "fen") {
      return value.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    if (unit === "percent") {
      return value.toLocaleString("zh-CN", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    }
    return value.toLocaleString("zh-CN");
  };
  // Axis labels stay short, in the page's language: 12,000 → "1.2万" (Chinese) or "12K" (English).
  const language = document.documentElement.lang || "zh-Hans";
  const compact = new Intl.NumberFormat(language, { notation: "compact", maximumFractionDigits: 1 });
  const grouped = new Intl.NumberFormat(language);
  const short = (value) => (Math.abs(value) >= 1e4 ? compact.format(value) : grouped.format(value));
  // A value with its unit's word in the page's language ("人", "元", "件"), given by the page with each chart.
  const withUnit = (value, unit, words) => `${full(value, unit)} ${words[unit] || ""}`.trim();

  const base = () => ({
    backgroundColor: "transparent",
    color: palette,
    animationDuration: 400,
    textStyle: { fontFamily: "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", fontSize: dark ? 15 : 13 },
    tooltip: { renderMode: "richText", confine: true },
  });

  // A chart opens on the columns of one unit — the rate if the table has one, else the first column's unit — so
  // that persons, yuan and counts do not crowd one picture; the legend switches the others on.
  const primaryUnit = (spec) => {
    const units = spec.series.map((s) => s.unit);
    return units.includes("percent") ? "percent" : units[0];
  };

  const axisOption = (spec) => {
    const primary = primaryUnit(spec);
    const units = [primary, ...new Set(spec.series.map((s) => s.unit).filter((u) => u !== primary))].slice(0, 2);
    const many = spec.categories.length > 6;
    const option = base();
    option.tooltip.trigger = "axis";
    option.legend = {
      bottom: 0,
      type: "scroll",
      selected: Object.fromEntries(spec.series.map((s) => [s.name, s.unit === primary])),
    };
    // The legend sits under the chart, so that it never covers the axis names above it.
    option.grid = { left: 12, right: 12, top: 30, bottom: dark ? 40 : 34, containLabel: true };
    option.xAxis = {
      type: "category",
      data: spec.categories,
      axisLabel: { interval: 0, rotate: many ? 30 : 0, hideOverlap: false },
    };
    option.yAxis = units.map((unit) => ({
      type: "value",
      name: spec.unit_words[unit] || "",
      axisLabel: { formatter: short },
      // Persons and items come whole; a rate goes to 100 %.
      minInterval: unit === "fen" || unit === "percent" ? 0 : 1,
      max: unit === "percent" ? 100 : null,
      splitLine: { show: unit === units[0] },
    }));
    option.series = spec.series.map((s) => ({
      name: s.name,
      type: spec.type,
      data: s.data,
      yAxisIndex: Math.max(0, units.indexOf(s.unit)),
      symbolSize: 7,
      barMaxWidth: 36,
      emphasis: { focus: "series" },
      tooltip: { valueFormatter: (value) => withUnit(value, s.unit, spec.unit_words) },
    }));
    return option;
  };

  const pieOption = (spec) => {
    const first = spec.series[0];
    const option = base();
    option.tooltip.trigger = "item";
    option.tooltip.formatter = (item) => `${item.name}\n${withUnit(item.value, first.unit, spec.unit_words)} (${item.percent}%)`;
    option.legend = { bottom: 0, type: "scroll" };
    option.series = [
      {
        name: first.name,
        type: "pie",
        radius: ["38%", "66%"],
        center: ["50%", "45%"],
        data: spec.categories.map((name, index) => ({ name, value: first.data[index] })),
        label: { formatter: "{b}\n{d}%" },
      },
    ];
    return option;
  };

  const charts = [];
  for (const spec of specs) {
    const element = document.getElementById(`chart-${spec.key}`);
    if (!element || spec.series.length === 0) {
      continue;
    }
    const chart = window.echarts.init(element, dark ? "dark" : null);
    chart.setOption(spec.type === "pie" ? pieOption(spec) : axisOption(spec));
    if (spec.drill.some(Boolean)) {
      chart.getZr().setCursorStyle("pointer");
      chart.on("click", (event) => {
        const target = spec.drill[event.dataIndex];
        if (target) {
          window.location.assign(target);
        }
      });
    }
    element.dataset.ready = "true";
    charts.push(chart);
  }
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));

  // The big screen's button fills the display (the browser allows it only after a click).
  const fullscreen = document.getElementById("stats-fullscreen");
  if (fullscreen && document.fullscreenEnabled) {
    fullscreen.hidden = false;
    fullscreen.addEventListener("click", () => document.documentElement.requestFullscreen());
    document.addEventListener("fullscreenchange", () => {
      fullscreen.hidden = document.fullscreenElement !== null;
    });
  }

  // The big screen reloads itself, so the hall's display follows the records without anybody touching it.
  const refresh = Number(document.body.dataset.refreshSeconds || 0);
  if (refresh > 0) {
    window.setTimeout(() => window.location.reload(), refresh * 1000);
    const clock = document.getElementById("stats-clock");
    if (clock) {
      const tick = () => {
        const timeZone = document.body.dataset.timeZone || undefined;
        clock.textContent = new Date().toLocaleString("zh-CN", { hour12: false, timeZone });
      };
      tick();
      window.setInterval(tick, 1000);
    }
  }
})();
