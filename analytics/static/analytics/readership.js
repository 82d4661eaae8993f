// Real-time readers on the readership overview: a websocket (/ws/readership/) sends the readers of the last
// five minutes every few seconds, and this fills the "Readers now" box with them, without a reload.
(() => {
  "use strict";
  const box = document.querySelector("[data-readership-live]");
  const configNode = document.getElementById("readership-live-config");
  if (!box || !configNode) return;
  const config = JSON.parse(configNode.textContent);
  const state = box.querySelector("[data-live-state]");
  const stateLabel = box.querySelector("[data-live-state-label]");
  const total = box.querySelector("[data-live-total]");
  const stories = box.querySelector("[data-live-stories]");
  const empty = box.querySelector("[data-live-empty]");
  const editUrl = box.dataset.editUrl; // the edit page of page 0: its "/0/" is replaced by the story's id
  const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  // Application close codes, like HTTP 401 and 403: retrying cannot help.
  const REFUSED = new Set([4401, 4403]);
  let failures = 0;
  let updates = 0;
  let leaving = false;
  let socket = null;

  function setState(name) {
    state.dataset.liveState = name;
    stateLabel.textContent = config.labels[name === "reconnecting" ? "connecting" : name] || "";
  }

  function story(item) {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = editUrl.replace("/0/", `/${encodeURIComponent(item.id)}/`);
    link.textContent = item.title;
    const readers = document.createElement("span");
    readers.className = "rd-live__readers";
    readers.textContent = numbers.format(item.readers);
    li.append(link, " ", readers);
    return li;
  }

  function show(message) {
    if (message.type !== "realtime") return;
    total.textContent = numbers.format(message.total);
    for (const [agency, readers] of Object.entries(message.readers)) {
      const cell = box.querySelector(`[data-live-agency="${CSS.escape(agency)}"]`);
      if (cell) cell.textContent = numbers.format(readers);
    }
    stories.replaceChildren(...message.stories.map(story));
    empty.hidden = message.stories.length > 0;
    updates += 1;
    box.dataset.updates = String(updates);
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}${config.path}`);
    socket.addEventListener("open", () => {
      failures = 0;
      setState("live");
    });
    socket.addEventListener("message", (event) => {
      try {
        show(JSON.parse(event.data));
      } catch {
        // A garbled message changes nothing; the next one comes in a few seconds.
      }
    });
    socket.addEventListener("close", (event) => {
      if (leaving) return;
      if (REFUSED.has(event.code)) {
        setState("offline");
        return;
      }
      failures += 1;
      setState("reconnecting");
      const delay = Math.min(60000, 1000 * 2 ** Math.min(failures, 6));
      setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
    });
  }

  // Leaving the page closes the socket on purpose: not a failure to reconnect after.
  window.addEventListener("pagehide", () => {
    leaving = true;
    if (socket) socket.close(1000);
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return; // back from the browser's page cache
    leaving = false;
    connect();
  });

  setState("connecting");
  connect();
})();
