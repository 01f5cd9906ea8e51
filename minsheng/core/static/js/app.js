// Minsheng page behaviour. No inline scripts: the Content-Security-Policy forbids them.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});

// A form marked data-swap-errors shows the server's refusal (a 4xx fragment with the reason) in its target, which
// htmx would otherwise leave unchanged.
document.addEventListener("htmx:beforeSwap", (event) => {
  const detail = event.detail;
  const status = detail.xhr.status;
  if (status >= 400 && status < 500 && event.target instanceof Element && detail.requestConfig.elt.closest("[data-swap-errors]")) {
    detail.shouldSwap = true;
    detail.isError = false;
  }
});

// A button marked data-print prints the page (the print stylesheet in app.css leaves out navigation and forms).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
