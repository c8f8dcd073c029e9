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
  // A small file is done in well under a second: look soon, then less often.
  var waits = [200, 300, 500];
  function next() {
    return waits.length ? waits.shift() : 1000;
  }

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
        window.setTimeout(poll, next());
      })
      .catch(function () {
        window.setTimeout(poll, 5000); // the server restarting, say: try again more slowly
      });
  }

  window.setTimeout(poll, next());
})();
