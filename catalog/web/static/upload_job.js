// The job page of an upload: follows the page's JSON twin, moving the progress bar and the
// stage text, and reloads the page (which then shows the result) once the upload has ended.
// Without JavaScript a <noscript> refresh does the same, every two seconds.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box) {
    return;
  }
  var bar = box.querySelector("progress");
  var stage = box.querySelector("[data-stage]");
  var detail = box.querySelector("[data-detail]");

  function show(job) {
    stage.textContent = job.stage_label;
    detail.textContent = job.progress_text;
    if (job.percent === null) {
      bar.removeAttribute("value");
      bar.textContent = "";
    } else {
      bar.value = job.percent;
      bar.textContent = job.percent + "%";
    }
  }

  function poll() {
    fetch(box.getAttribute("data-status-url"), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (job) {
        if (job.finished) {
          window.location.reload();
          return;
        }
        show(job);
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000); // the server restarting, say: try again more slowly
      });
  }

  window.setTimeout(poll, 1000);
})();
