// The preview frame is sandboxed without scripts; its height follows the post it shows.
(() => {
  document.querySelectorAll("[data-distribution-preview-frame]").forEach((frame) => {
    const fit = () => {
      const body = frame.contentDocument && frame.contentDocument.documentElement;
      if (body) frame.style.height = `${body.scrollHeight + 4}px`;
    };
    frame.addEventListener("load", fit);
    fit();
  });
})();
