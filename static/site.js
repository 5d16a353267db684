// Progressive enhancement: upvote without reloading the page. Without JavaScript the same
// forms post and redirect back.
document.addEventListener("submit", async function (e) {
  var form = e.target;
  if (!form.classList || !form.classList.contains("vote")) return;
  e.preventDefault();
  var button = form.querySelector("button");
  button.disabled = true;
  try {
    // The form says which vote it asks for: a double click does not undo itself.
    var body = new URLSearchParams();
    if (form.elements.vote) body.set("vote", form.elements.vote.value);
    var r = await fetch(form.action, {
      method: "POST",
      headers: { "x-csrf-token": form.elements.csrf.value, accept: "application/json" },
      credentials: "same-origin",
      body: body,
    });
    if (!r.ok) throw new Error(String(r.status));
    var j = await r.json();
    button.setAttribute("aria-pressed", j.voted ? "true" : "false");
    if (form.elements.vote) form.elements.vote.value = j.voted ? "down" : "up";
    button.querySelector(".n").textContent = j.upvotes;
  } catch (err) {
    form.submit();
  } finally {
    button.disabled = false;
  }
});

// A member's page shown again from the back-forward cache (Back after logging out, say) is asked for anew: the
// server then answers for whoever is logged in now, and a member's page never shows after they left.
window.addEventListener("pageshow", function (e) {
  if (e.persisted && document.body && document.body.hasAttribute("data-member")) location.reload();
});

// Keyboard triage on any list of papers: j/k move, o opens, u upvotes, s saves to a collection,
// x marks not interested, m marks read or unread, h hides or shows read papers, ? shows the keys.
// Off while typing in a field or with a modifier key. Read marks stay in this browser.
(function () {
  var READ = "paperboy.read", HIDE = "paperboy.hideRead", MAX_READ = 5000;
  function load() {
    try { return JSON.parse(localStorage.getItem(READ) || "[]"); } catch (e) { return []; }
  }
  function save(ids) {
    try { localStorage.setItem(READ, JSON.stringify(ids.slice(-MAX_READ))); } catch (e) {}
  }
  var read = load();
  function isRead(id) { return read.indexOf(id) >= 0; }
  function setRead(id, on) {
    read = read.filter(function (x) { return x !== id; });
    if (on) read.push(id);
    save(read);
  }
  var rows = [], current = -1, live, help, toggle;
  // The paper's id without its version: read marks outlive new versions.
  function key(a) {
    var link = a.querySelector("h2 a");
    return link ? link.getAttribute("href").replace(/^\/papers\//, "") : a.getAttribute("data-id");
  }
  function hideRead() { try { return localStorage.getItem(HIDE) === "1"; } catch (e) { return false; } }
  function paint() {
    var hide = hideRead(), hidden = 0;
    rows.forEach(function (a) {
      var r = isRead(key(a));
      a.classList.toggle("read", r);
      a.classList.toggle("gone", r && hide);
      if (r && hide) hidden++;
    });
    if (toggle) toggle.textContent = hide ? "Show read papers (" + hidden + " hidden)" : "Hide read papers";
  }
  function announce(text) { if (live) live.textContent = text; }
  function visible() { return rows.filter(function (a) { return !a.classList.contains("gone"); }); }
  function move(step) {
    var list = visible();
    if (!list.length) return;
    var at = list.indexOf(rows[current]);
    at = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.max(0, Math.min(list.length - 1, at + step));
    if (rows[current]) rows[current].classList.remove("current");
    current = rows.indexOf(list[at]);
    var a = rows[current];
    a.classList.add("current");
    var link = a.querySelector("h2 a");
    if (link) link.focus();
    a.scrollIntoView({ block: "nearest" });
    announce("Paper " + (at + 1) + " of " + list.length + (isRead(key(a)) ? ", read" : "") + ": " + (link ? link.textContent : ""));
  }
  function showHelp() {
    if (!help) {
      help = document.createElement("dialog");
      help.className = "keys";
      help.setAttribute("aria-label", "Keyboard shortcuts");
      var keys = [["j / k", "next / previous paper"], ["o", "open the paper"], ["u", "upvote"], ["s", "save to a collection"],
        ["x", "not interested"], ["m", "mark read / unread"], ["h", "hide / show read papers"], ["?", "this help"], ["Esc", "close"]];
      var h = document.createElement("h2");
      h.textContent = "Keyboard shortcuts";
      var dl = document.createElement("dl");
      keys.forEach(function (k) {
        var dt = document.createElement("dt"), dd = document.createElement("dd");
        dt.textContent = k[0]; dd.textContent = k[1];
        dl.appendChild(dt); dl.appendChild(dd);
      });
      var close = document.createElement("button");
      close.textContent = "Close";
      close.addEventListener("click", function () { help.close(); });
      help.appendChild(h); help.appendChild(dl); help.appendChild(close);
      document.body.appendChild(help);
    }
    help.showModal();
  }
  function typing(t) {
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  function init() {
    rows = Array.prototype.slice.call(document.querySelectorAll("main article[data-id]"));
    if (!rows.length) return;
    live = document.createElement("p");
    live.className = "sr-only";
    live.setAttribute("aria-live", "polite");
    live.id = "triage-status";
    document.body.appendChild(live);
    toggle = document.createElement("button");
    toggle.className = "link read-toggle";
    toggle.type = "button";
    toggle.addEventListener("click", function () {
      try { localStorage.setItem(HIDE, hideRead() ? "0" : "1"); } catch (e) {}
      paint();
    });
    var tip = document.createElement("p");
    tip.className = "meta triage";
    tip.appendChild(toggle);
    tip.appendChild(document.createTextNode(" · press ? for keyboard shortcuts"));
    rows[0].parentNode.insertBefore(tip, rows[0]);
    // Opening a paper marks it read.
    rows.forEach(function (a) {
      var link = a.querySelector("h2 a");
      if (link) link.addEventListener("click", function () { setRead(key(a), true); });
    });
    paint();
  }
  document.addEventListener("keydown", function (e) {
    if (!rows.length || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (help && help.open) return;
    var a = rows[current];
    switch (e.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "?": showHelp(); break;
      case "h": toggle.click(); announce(hideRead() ? "Read papers hidden" : "Read papers shown"); break;
      case "o": if (a) { setRead(key(a), true); location.href = a.querySelector("h2 a").href; } break;
      case "m": if (a) { setRead(key(a), !isRead(key(a))); paint(); announce(isRead(key(a)) ? "Marked read" : "Marked unread"); } break;
      case "u": if (a) { var v = a.querySelector("form.vote"); if (v) { v.requestSubmit(); announce("Upvote sent"); } else { var l = a.querySelector("a.vote"); if (l) location.href = l.href; } } break;
      case "s": if (a) location.href = a.querySelector("h2 a").href + "#collect"; break;
      case "x": if (a) { var d = a.querySelector("form.dismiss"); if (d) d.requestSubmit(); } break;
      default: return;
    }
    e.preventDefault();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
