// The API tokens page: copy the key shown once, and select it when focused.
(() => {
  const input = document.getElementById("new-token-key");
  if (!input) return;
  input.addEventListener("focus", () => input.select());
  const button = document.querySelector('[data-copy-target="new-token-key"]');
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
