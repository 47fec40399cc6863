// Dashboard charts: partners by type (doughnut) and by region (bars). The numbers come from
// {{ chart|json_script:"dashboard-data" }}; the colours from the legend swatches in app.css,
// so the chart and its legend cannot disagree. Clicking a slice or a bar opens the filtered list.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("dashboard-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const css = getComputedStyle(document.documentElement);
  const brand = css.getPropertyValue("--prm-brand").trim() || "#3b5bdb";
  const brandLight = css.getPropertyValue("--prm-brand-light").trim() || "#a5b4fc";

  const openList = (urls) => (event, elements) => {
    if (elements.length) window.location.assign(urls[elements[0].index]);
  };
  const pointer = (event, elements) => {
    event.native.target.style.cursor = elements.length ? "pointer" : "default";
  };

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = css.getPropertyValue("--bs-secondary-color").trim() || "#6c757d";

  const typesCanvas = document.getElementById("chart-types");
  if (typesCanvas) {
    const colours = data.types.labels.map((_, index) => {
      const swatch = document.querySelectorAll(".prm-legend .prm-swatch")[index];
      return swatch ? getComputedStyle(swatch).backgroundColor : brand;
    });
    new Chart(typesCanvas, {
      type: "doughnut",
      data: {
        labels: data.types.labels,
        datasets: [{ data: data.types.counts, backgroundColor: colours, borderWidth: 2, hoverOffset: 6 }],
      },
      options: {
        maintainAspectRatio: false,
        cutout: "62%",
        plugins: { legend: { display: false } },
        onClick: openList(data.types.urls),
        onHover: pointer,
      },
    });
  }

  const regionsCanvas = document.getElementById("chart-regions");
  if (regionsCanvas) {
    const top = data.regions.top;
    // long region names do not fit beside the bars on a phone: the codes do (the names are listed)
    const narrow = regionsCanvas.parentElement.clientWidth < 480;
    const labels = narrow ? data.regions.codes : data.regions.labels;
    new Chart(regionsCanvas, {
      type: "bar",
      data: {
        labels: labels.map((label, index) => (top[index] ? label : `\u2003${label}`)),
        datasets: [
          {
            label: "Partners",
            data: data.regions.counts,
            backgroundColor: top.map((isTop) => (isTop ? brand : brandLight)),
            borderRadius: 4,
            maxBarThickness: 18,
          },
        ],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { title: (items) => data.regions.labels[items[0].dataIndex] } },
        },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 }, grid: { color: "rgba(0, 0, 0, .05)" } },
          y: {
            grid: { display: false },
            ticks: { font: (context) => ({ weight: top[context.index] ? "600" : "400" }) },
          },
        },
        onClick: openList(data.regions.urls),
        onHover: pointer,
      },
    });
  }
});
