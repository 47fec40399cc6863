// Mapping page: the help under a column's select follows the field chosen (the page works without
// JavaScript too, showing the help of the field it was rendered with).
(() => {
  const source = document.getElementById("import-field-help");
  if (!source) return;
  const help = JSON.parse(source.textContent);
  document.querySelectorAll("select[data-help]").forEach((select) => {
    select.addEventListener("change", () => {
      const target = document.getElementById(select.dataset.help);
      if (target) target.textContent = help[select.value] || "";
    });
  });
})();
