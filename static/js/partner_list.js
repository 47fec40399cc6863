// Partner list: filters, sorting and pages swap #partner-results through htmx (the page works
// without JavaScript too). Invalid filters are answered with a 400 carrying the errors; htmx
// ignores 4xx answers by default, so let this one through to be shown.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 400 && event.detail.target.id === "partner-results") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
