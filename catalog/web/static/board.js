// The event board (/admin/board): follows its JSON twin, /admin/board.json, every few
// seconds and redraws the parts that changed in place, without reloading the page (the
// mentor's place and focus stay where they are). What it draws is admin_board.html's
// markup, built with textContent only: nothing from the data is ever read as HTML.
// Without JavaScript the page's <noscript> refresh reloads it instead.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.fetch) {
    return;
  }
  var url = board.getAttribute("data-board-url");
  var every = 1000 * (parseInt(board.getAttribute("data-refresh"), 10) || 5);
  var csrf = board.getAttribute("data-csrf");
  var drawn = {};

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (props[key] !== null && props[key] !== undefined) {
        node.setAttribute(key, props[key]);
      }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === "") {
        return;
      }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function hidden(text) {
    return el("span", { class: "visually-hidden" }, [text]);
  }

  function button(action, label, extra, secondary) {
    return el("form", { method: "post", action: action }, [
      el("input", { type: "hidden", name: "csrf_token", value: csrf }),
      el("button", { type: "submit", class: secondary ? "secondary" : null }, [label, hidden(extra)]),
    ]);
  }

  function waited(minutes) {
    return minutes < 1 ? "under a minute" : minutes + " minute" + (minutes === 1 ? "" : "s");
  }

  function drawHelp(help) {
    var flags = help.open.concat(help.taken);
    if (!flags.length) {
      return [el("p", {}, ["Nobody is waiting for a hand."])];
    }
    var summary = help.open.length + " waiting for a mentor, " + help.taken.length + " taken";
    var items = flags.map(function (f) {
      var said =
        f.state === "taken"
          ? ": " + f.mentor + " took it at " + f.taken
          : ": nobody has taken it yet";
      var actions = [];
      if (f.state === "open") {
        actions.push(button(f.take_url, "Take", " " + f.who + "'s request", false));
      }
      actions.push(button(f.done_url, "Done", " with " + f.who + "'s request", true));
      return el("li", { class: "flag flag-" + f.state }, [
        el("p", {}, [el("strong", {}, [f.who]), " asked at " + f.created + said]),
        f.note ? el("p", { class: "flag-note" }, [f.note]) : null,
        el("p", {}, [el("a", { href: f.page }, ["The page " + f.who + " asked from"])]),
        el("div", { class: "flag-actions" }, actions),
      ]);
    });
    return [el("p", { class: "meta" }, [summary]), el("ul", { class: "board-flags" }, items)];
  }

  function drawOldest(o) {
    if (!o) {
      return [el("p", { class: "board-oldest" }, ["No upload is waiting for a fix."])];
    }
    return [
      el("p", { class: "board-oldest" }, [
        "Waiting longest for a fix: ",
        el("a", { href: o.url }, [o.file]),
        " from " + o.who + ", for " + waited(o.waiting_minutes) + " (since " + o.since + ")",
      ]),
    ];
  }

  function drawUploads(data) {
    return Object.keys(data.labels).map(function (state) {
      var items = data.uploads[state];
      var title = "board-" + state + "-title";
      var list = items.length
        ? el(
            "ul",
            {},
            items.map(function (u) {
              var parts = [el("a", { href: u.url }, [u.file]), " ", el("span", { class: "meta" }, [u.who + ", " + u.when])];
              if (u.dataset_url) {
                parts.push(": ", el("a", { href: u.dataset_url }, [u.dataset_name]), " version " + u.version_number);
              } else if (u.message && state !== "published") {
                parts.push(el("br"), el("span", { class: "meta" }, [u.message]));
              }
              return el("li", {}, parts);
            })
          )
        : el("p", { class: "meta" }, ["None yet."]);
      return el("section", { class: "board-state board-" + state, "aria-labelledby": title }, [
        el("h3", { id: title }, [data.labels[state] + ": " + data.counts[state]]),
        list,
      ]);
    });
  }

  function tally(caption, id, first, rows, cell) {
    var body = rows.length
      ? rows.map(function (row) {
          return el("tr", {}, [
            el("td", {}, [cell(row)]),
            el("td", { class: "n" }, [String(row.datasets)]),
            el("td", { class: "n" }, [String(row.versions)]),
          ]);
        })
      : [el("tr", {}, [el("td", { colspan: "3" }, ["Nothing published yet today."])])];
    var head = el("tr", {}, [first, "Datasets", "Versions"].map(function (name) {
      return el("th", { scope: "col" }, [name]);
    }));
    return el("div", { class: "table-scroll", role: "region", "aria-labelledby": id, tabindex: "0" }, [
      el("table", {}, [el("caption", { id: id }, [caption]), el("thead", {}, [head]), el("tbody", {}, body)]),
    ]);
  }

  function drawTallies(data) {
    return [
      tally("Per person", "board-people-caption", "Who", data.per_person, function (p) {
        return p.who;
      }),
      tally("Per team (organisation)", "board-teams-caption", "Team", data.per_team, function (t) {
        return t.url ? el("a", { href: t.url }, [t.title]) : t.title;
      }),
    ];
  }

  var parts = {
    updated: function (data) {
      return [data.day + " (" + data.time_zone + "), updated at " + data.updated];
    },
    help: function (data) {
      return drawHelp(data.help);
    },
    oldest: function (data) {
      return drawOldest(data.oldest_waiting);
    },
    uploads: drawUploads,
    tallies: drawTallies,
  };
  var sources = {
    updated: function (data) {
      return [data.day, data.time_zone, data.updated];
    },
    help: function (data) {
      return data.help;
    },
    oldest: function (data) {
      return data.oldest_waiting;
    },
    uploads: function (data) {
      return [data.counts, data.uploads];
    },
    tallies: function (data) {
      return [data.per_person, data.per_team];
    },
  };

  function draw(data) {
    Object.keys(parts).forEach(function (name) {
      var target = board.querySelector('[data-part="' + name + '"]');
      var source = JSON.stringify(sources[name](data));
      if (!target || drawn[name] === source) {
        return; // unchanged: left as it is, focus and all
      }
      drawn[name] = source;
      while (target.firstChild) {
        target.removeChild(target.firstChild);
      }
      parts[name](data).forEach(function (node) {
        target.appendChild(typeof node === "string" ? document.createTextNode(node) : node);
      });
    });
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        draw(data);
        window.setTimeout(poll, every);
      })
      .catch(function () {
        window.setTimeout(poll, every * 3); // the server restarting, say: look again later
      });
  }

  window.setTimeout(poll, every);
})();
