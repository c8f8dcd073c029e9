// "Copy the letter": a button with data-copy="<id of a textarea>" copies its text.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.addEventListener("click", function () {
    var source = document.getElementById(button.dataset.copy);
    if (!source) {
      return;
    }
    if (!navigator.clipboard) {
      source.select(); // older browsers: select it, for Ctrl+C
      return;
    }
    navigator.clipboard.writeText(source.value).then(function () {
      button.textContent = "Copied";
    });
  });
});
