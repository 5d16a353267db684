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
