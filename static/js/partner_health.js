// Partner page: the health score trend (Chart.js line). Data from
// {{ health_chart|json_script:"health-data" }}: ISO days and 0-100 scores, oldest first.
window.addEventListener("load", () => {
  const source = document.getElementById("health-data");
  const canvas = document.getElementById("chart-health");
  if (!source || !canvas || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const css = getComputedStyle(document.documentElement);
  const brand = css.getPropertyValue("--prm-brand").trim() || "#3b5bdb";
  const dayLabel = (iso) => new Date(`${iso}T00:00:00Z`).toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = css.getPropertyValue("--bs-secondary-color").trim() || "#6c757d";
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels.map(dayLabel),
      datasets: [{
        label: "Health score", data: data.scores, borderColor: brand, backgroundColor: "rgba(59, 91, 219, .12)",
        fill: true, tension: 0.25, pointRadius: data.scores.length > 40 ? 0 : 3, borderWidth: 2,
      }],
    },
    options: {
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { min: 0, max: 100, ticks: { stepSize: 25 } }, x: { ticks: { maxTicksLimit: 6, autoSkip: true } } },
      plugins: { legend: { display: false } },
    },
  });
});
