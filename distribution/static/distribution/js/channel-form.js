// The channel form shows the settings and credentials of the chosen platform only; on a new channel,
// choosing the platform also ticks "domestic" as the platform is, until the user ticks it themselves.
(() => {
  function init(root) {
    const form = root.closest("form");
    const kind = form && form.querySelector("[name=kind]");
    if (!kind) return;
    const domestic = form.querySelector("[name=domestic]");
    const creating = root.dataset.creating === "true";
    let domesticTouched = false;
    if (domestic) domestic.addEventListener("change", () => { domesticTouched = true; });

    function show() {
      let chosen = null;
      root.querySelectorAll("[data-platform]").forEach((group) => {
        group.hidden = group.dataset.platform !== kind.value;
        if (!group.hidden) chosen = group;
      });
      if (creating && chosen && domestic && !domesticTouched) {
        domestic.checked = chosen.dataset.domestic === "true";
      }
    }
    kind.addEventListener("change", show);
    show();
  }

  const start = () => document.querySelectorAll("[data-distribution-platforms]").forEach(init);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
