// Type-ahead for <input data-typeahead="/authorities.json" list="some-datalist">: as someone
// types, the datalist is filled with the names of the bodies that match. Without JavaScript
// the input is a plain text box and the server resolves whatever name was typed.
(function () {
  "use strict";
  var WAIT_MS = 200;

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var source = input.getAttribute("data-typeahead");
    var joiner = source.indexOf("?") === -1 ? "?" : "&";
    var timer = null;
    var asked = 0; // which question the newest answer must belong to

    function fill(items) {
      var options = items.map(function (item) {
        var option = document.createElement("option");
        option.value = item.name;
        var about = [item.abbreviation, item.nation].filter(Boolean).join(" · ");
        if (about) option.textContent = about;
        return option;
      });
      list.replaceChildren.apply(list, options);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      var ticket = ++asked;
      if (text.length < 2) {
        fill([]);
        return;
      }
      timer = setTimeout(function () {
        fetch(source + joiner + "q=" + encodeURIComponent(text), {
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            return response.ok ? response.json() : [];
          })
          .then(function (items) {
            if (ticket === asked && Array.isArray(items)) fill(items); // else: stale
          })
          .catch(function () {}); // the box still works as plain text
      }, WAIT_MS);
    });
  }

  document.querySelectorAll("input[data-typeahead][list]").forEach(attach);
})();
