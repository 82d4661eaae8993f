// Toasts for the live newsroom's events on every admin page: "Nguyễn Văn A đã nộp bài “…”", with a link
// to the story. The words come translated from the server (json_script "newsroom-live-config": `messages`
// by event type, with %(field)s placeholders filled from the event); nothing is worded here.
// Not shown: the reader's own actions (the socket marks them `mine`) and presence events.
(() => {
  "use strict";
  const source = document.getElementById("newsroom-live-config");
  if (!source || !window.NewsroomLive) return;
  const config = JSON.parse(source.textContent);
  const SHOW_FOR = 8000;
  const MAX_SHOWN = 4;
  const TIMES = new Set(["go_live_at", "deadline", "at"]);
  const language = document.documentElement.lang || undefined;
  let region = null;

  function ensureRegion() {
    if (region) return region;
    region = document.createElement("div");
    region.className = "nr-toasts";
    region.dataset.toasts = "";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-label", config.region);
    document.body.append(region);
    return region;
  }

  function template(event) {
    const messages = config.messages;
    if (event.for_me && messages[`${event.type}.for_me`]) return messages[`${event.type}.for_me`];
    if (!event.by && messages[`${event.type}.system`]) return messages[`${event.type}.system`];
    return messages[event.type];
  }

  function field(name, value) {
    if (value === undefined || value === null) return "";
    if (TIMES.has(name)) {
      const when = new Date(value);
      if (!Number.isNaN(when.getTime())) {
        return when.toLocaleString(language, { dateStyle: "short", timeStyle: "short" });
      }
    }
    return String(value);
  }

  function linkFor(event) {
    if (event.type === "assignment.created" && event.for_me) return config.filing_url || "";
    if (event.edit_url) return event.edit_url;
    if (event.story) return config.story_url.replace("/0/", `/${encodeURIComponent(event.story)}/`);
    return "";
  }

  function dismiss(toast) {
    if (!toast.isConnected) return;
    toast.classList.add("nr-toast--leaving");
    setTimeout(() => toast.remove(), 200);
  }

  function show(event) {
    if (!event || event.mine || event.type === "presence") return;
    const words = template(event);
    if (!words) return;
    const text = words.replace(/%\((\w+)\)s/g, (_match, name) => field(name, event[name]));
    const toast = document.createElement("div");
    toast.className = "nr-toast";
    toast.dataset.toast = event.type;
    const href = linkFor(event);
    const body = document.createElement(href ? "a" : "p");
    body.className = "nr-toast__text";
    body.textContent = text;
    if (href) body.href = href;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "nr-toast__close";
    close.setAttribute("aria-label", config.dismiss);
    close.title = config.dismiss;
    close.textContent = "×";
    close.addEventListener("click", () => dismiss(toast));
    toast.append(body, close);

    const shown = ensureRegion();
    shown.append(toast);
    while (shown.children.length > MAX_SHOWN) shown.firstElementChild.remove();

    // Gone after a while, but not while the pointer or the keyboard is on it.
    let timer = setTimeout(() => dismiss(toast), SHOW_FOR);
    const hold = () => clearTimeout(timer);
    const release = () => {
      clearTimeout(timer);
      timer = setTimeout(() => dismiss(toast), SHOW_FOR / 2);
    };
    toast.addEventListener("mouseenter", hold);
    toast.addEventListener("focusin", hold);
    toast.addEventListener("mouseleave", release);
    toast.addEventListener("focusout", release);
  }

  document.addEventListener("newsroom:event", (event) => show(event.detail));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !region || !region.contains(document.activeElement)) return;
    const toast = document.activeElement.closest(".nr-toast");
    if (toast) dismiss(toast);
  });
})();
