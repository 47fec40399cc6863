// A value shown once (an API token's key, a webhook's secret): select it when focused, and copy
// it with the button that names its field in data-copy-target.
(() => {
  for (const button of document.querySelectorAll("[data-copy-target]")) {
    const input = document.getElementById(button.dataset.copyTarget);
    if (!input) continue;
    input.addEventListener("focus", () => input.select());
    if (!navigator.clipboard || !window.isSecureContext) continue;
    const label = button.querySelector("span");
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(input.value);
        label.textContent = "Copied";
      } catch {
        input.select();
        label.textContent = "Press Ctrl+C";
      }
    });
  }
})();
