// The workshop room's only script: follow the room's events, swap in the new page, send forms without reloading.
// The pages work without it (plain forms); nothing here runs code from the server or loads anything else.
(() => {
  "use strict";
  const main = () => document.getElementById("main");
  let loading = false;
  let again = false;

  function swap(html, keepChoices) {
    const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
    if (!fresh) return;
    const now = main();
    // A choice made while the news was on its way is kept, unless the phase or the round changed.
    if (keepChoices && dirty() && fresh.dataset.phase === now.dataset.phase && fresh.dataset.round === now.dataset.round) {
      return;
    }
    now.replaceWith(document.adoptNode(fresh));
  }

  // A choice that is not saved yet is not wiped by someone else's news; a new phase or round always shows.
  function dirty() {
    return document.querySelector("#main form[data-dirty='1']") !== null;
  }

  async function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      const response = await fetch(location.pathname + "?part=main", {credentials: "same-origin"});
      if (response.redirected) { location.assign(response.url); return; }
      swap(await response.text(), true);
    } finally {
      loading = false;
      if (again) { again = false; refresh(); }
    }
  }

  document.addEventListener("change", (event) => {
    const form = event.target.closest && event.target.closest("#main form");
    if (!form) return;
    form.dataset.dirty = "1";
    const state = form.querySelector(".save-state");
    if (state) { state.className = "save-state not-saved"; state.textContent = state.dataset.unsaved || ""; }
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.closest("#main[data-events]")) return;  // the join form reloads the page as usual
    event.preventDefault();
    form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      const response = await fetch(form.action + "?part=main", {
        method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin",
        headers: {"X-Room-Fetch": "1"},
      });
      if (response.redirected) { location.assign(response.url); return; }
      swap(await response.text());
    } catch (error) {
      form.submit();  // no connection to the script's request: send the form the plain way
    }
  });

  const page = main();
  if (page && page.dataset.events) {
    const source = new EventSource(page.dataset.events);
    source.onmessage = (event) => {
      const [key, phase, round] = event.data.split(" ");
      const now = main();
      if (key === now.dataset.key) return;
      if (dirty() && phase === now.dataset.phase && round === now.dataset.round) return;
      refresh();
    };
  }
})();
