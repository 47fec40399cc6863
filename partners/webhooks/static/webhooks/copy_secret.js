// A webhook's signing secret, shown once: copy it with one click, select it when focused.
(() => {
  const input = document.getElementById("new-webhook-secret");
  if (!input) return;
  input.addEventListener("focus", () => input.select());
  const button = document.querySelector('[data-copy-target="new-webhook-secret"]');
  if (!button || !navigator.clipboard || !window.isSecureContext) return;
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
})();
