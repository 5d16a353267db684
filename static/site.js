// Progressive enhancement: upvote without reloading the page. Without JavaScript the same
// forms post and redirect back.
document.addEventListener("submit", async function (e) {
  var form = e.target;
  if (!form.classList || !form.classList.contains("vote")) return;
  e.preventDefault();
  var button = form.querySelector("button");
  button.disabled = true;
  try {
    var r = await fetch(form.action, {
      method: "POST",
      headers: { "x-csrf-token": form.elements.csrf.value, accept: "application/json" },
      credentials: "same-origin",
    });
    if (!r.ok) throw new Error(String(r.status));
    var j = await r.json();
    button.setAttribute("aria-pressed", j.voted ? "true" : "false");
    button.querySelector(".n").textContent = j.upvotes;
  } catch (err) {
    form.submit();
  } finally {
    button.disabled = false;
  }
});
