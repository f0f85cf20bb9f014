// Load the vendored htmx when the CDN copy did not arrive (offline or blocked).
if (!window.htmx) {
  document.write('<script src="/static/htmx.min.js"><\/script>');
}
