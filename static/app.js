// Small progressive enhancements; every page works without them.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var source = document.getElementById(button.dataset.copy);
  if (!source) return;
  var text = source.value !== undefined ? source.value : source.textContent;
  navigator.clipboard.writeText(text.trim()).then(function () {
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = "Copy"; }, 1500);
  });
});
// Forms and buttons with data-confirm ask before a destructive action.
document.addEventListener("submit", function (event) {
  var message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
    event.stopPropagation();  // also keeps htmx (hx-post) from sending the form
  }
}, true);
// The phone menu: the Menu button folds the navigation in and out (without JS it stays open).
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var button = event.target.closest(".menu-toggle");
  if (!button) return;
  var menu = document.getElementById(button.getAttribute("aria-controls"));
  var open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  menu.classList.toggle("open", open);
});
// Sections marked data-fold-on-phone start folded on a narrow screen.
if (window.matchMedia("(max-width: 760px)").matches) {
  document.querySelectorAll("details[data-fold-on-phone]").forEach(function (d) { d.open = false; });
}
