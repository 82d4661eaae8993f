// The story editor's Distribution panel: each tick is saved at once (POST with the CSRF token), without
// reloading the editor. The checkboxes have no name and their events stop here, so the page form neither
// submits them nor counts them as unsaved changes.
(() => {
  function init(root) {
    const { chooseUrl, csrfToken } = root.dataset;
    root.querySelectorAll("[data-distribution-choice]").forEach((box) => {
      box.addEventListener("input", (event) => event.stopPropagation());
      box.addEventListener("change", async (event) => {
        event.stopPropagation();
        const status = box.closest("[data-channel]").querySelector("[data-distribution-status]");
        const say = (state, text) => {
          status.dataset.state = state;
          status.textContent = text;
        };
        say("saving", root.dataset.saving);
        box.disabled = true;
        try {
          const response = await fetch(chooseUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: { "X-CSRFToken": csrfToken, "X-Requested-With": "XMLHttpRequest", Accept: "application/json" },
            body: new URLSearchParams({ channel: box.value, selected: box.checked ? "1" : "0" }),
          });
          const answer = await response.json().catch(() => ({}));
          if (!response.ok) throw new Error(answer.error || root.dataset.error);
          say("saved", answer.message || root.dataset.saved);
        } catch (error) {
          box.checked = !box.checked; // not recorded: show what is stored
          say("error", error instanceof TypeError ? root.dataset.error : error.message);
        } finally {
          box.disabled = false;
        }
      });
    });
  }

  const start = () => document.querySelectorAll("[data-distribution-story]").forEach(init);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
