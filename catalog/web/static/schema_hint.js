// The upload page's hint: when a CSV is chosen, its first 64 kB go to the server, which says
// which ready schemas its header looks like (catalog/web/views/schema_hints.py); each is
// shown in a live region beside the schema choice with a "Use it" button that picks it. The
// choice is never changed without that button. A workbook says nothing (its header is on a
// sheet). Without JavaScript, or when the server does not answer, the page is as it was.
(function () {
  "use strict";
  var HEAD_BYTES = 64 * 1024;
  var WORKBOOK = /\.(xlsx|xlsm|xls|ods)$/i;
  var box = document.getElementById("schema-hint");
  var form = box && box.closest("form");
  if (!form || !window.fetch || !window.Blob) return;
  var file = form.querySelector("input[type=file][name=file]");
  var token = form.querySelector("input[name=csrf_token]");
  var select = form.querySelector("select[name=library_name]");
  var library = form.querySelector("input[name=schema_source][value=library]");
  if (!file || !token || !select || !library) return;
  var asked = 0; // which file the newest answer must belong to

  function say(text) {
    var line = document.createElement("p");
    line.className = "flash";
    line.appendChild(document.createTextNode(text));
    box.replaceChildren(line);
    return line;
  }

  function offers(name) {
    return Array.prototype.some.call(select.options, function (option) {
      return option.value === name;
    });
  }

  function use(hint) {
    library.checked = true;
    select.value = hint.name;
    library.dispatchEvent(new Event("change", { bubbles: true }));
    select.dispatchEvent(new Event("change", { bubbles: true }));
    say("Chosen: the ready schema " + hint.title + ". You can still pick another.");
    select.focus();
  }

  function show(suggestions) {
    var lines = suggestions.filter(function (hint) {
      return offers(hint.name);
    }).map(function (hint) {
      var line = document.createElement("p");
      line.className = "flash";
      line.appendChild(document.createTextNode(hint.message + " "));
      var button = document.createElement("button");
      button.type = "button";
      button.appendChild(document.createTextNode("Use it"));
      var which = document.createElement("span");
      which.className = "visually-hidden";
      which.textContent = ": " + hint.title;
      button.appendChild(which);
      button.addEventListener("click", function () {
        use(hint);
      });
      line.appendChild(button);
      return line;
    });
    box.replaceChildren.apply(box, lines);
  }

  function ask() {
    var chosen = file.files && file.files[0];
    var ticket = ++asked;
    box.replaceChildren();
    if (!chosen || WORKBOOK.test(chosen.name)) return;
    fetch(box.getAttribute("data-hint-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": token.value,
        "Content-Type": "application/octet-stream",
        Accept: "application/json",
      },
      body: chosen.slice(0, HEAD_BYTES),
    })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (answer) {
        if (ticket === asked) show(answer.suggestions || []);
      })
      .catch(function () {
        // a hint is a nicety: no answer, no hint, and the form works as it did
      });
  }

  file.addEventListener("change", ask);
  if (file.files && file.files.length) ask(); // a file the browser kept on going back
})();
