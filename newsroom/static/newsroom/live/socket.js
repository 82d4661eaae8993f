// The live newsroom: one websocket per admin tab (/ws/newsroom/), shared by the toasts and the board.
//
// Events arrive on `document` as "newsroom:event" (detail: the event's JSON); the connection's state as
// "newsroom:status" (detail: {state}), one of "connecting", "live", "reconnecting", "off" (refused: not
// signed in or no agency's staff). `window.NewsroomLive.state` holds the latest state, and
// `window.NewsroomLive.socket` the WebSocket while one is open or opening.
(() => {
  "use strict";
  if (window.NewsroomLive) return;
  // Only signed-in admin pages carry the sidebar; the login page has no socket to open.
  if (!document.querySelector("[data-wagtail-sidebar]")) return;

  const PATH = "/ws/newsroom/";
  const FAILURES_KEY = "newsroom-live-failures";
  const FIRST_DELAY = 1000;
  const MAX_DELAY = 60000;
  // Application close codes, like HTTP 401 and 403: retrying cannot help.
  const REFUSED = new Set([4401, 4403]);

  let socket = null;
  const live = { state: "connecting" };
  Object.defineProperty(live, "socket", { get: () => socket });
  window.NewsroomLive = live;
  let timer = null;
  let leaving = false;

  // Failures are counted per tab across page loads, so that clicking through the admin while the
  // server is away (or refuses the socket) does not hammer it with a fresh connection per page.
  function failures() {
    try {
      return Number(sessionStorage.getItem(FAILURES_KEY)) || 0;
    } catch {
      return 0;
    }
  }

  function remember(count) {
    try {
      sessionStorage.setItem(FAILURES_KEY, String(count));
    } catch {
      // Private mode without storage: backoff still works within the page.
    }
  }

  function delayAfter(count) {
    const delay = Math.min(MAX_DELAY, FIRST_DELAY * 2 ** Math.max(0, count - 1));
    return delay / 2 + Math.random() * (delay / 2); // jitter, so a restarted server is not stampeded
  }

  function setState(state) {
    live.state = state;
    document.dispatchEvent(new CustomEvent("newsroom:status", { detail: { state } }));
  }

  function connect() {
    clearTimeout(timer);
    timer = null;
    if (socket) return;
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}${PATH}`);
    socket.addEventListener("open", () => {
      remember(0);
      setState("live");
    });
    socket.addEventListener("message", (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      document.dispatchEvent(new CustomEvent("newsroom:event", { detail: event }));
    });
    socket.addEventListener("close", (close) => {
      socket = null;
      if (leaving) return;
      if (REFUSED.has(close.code)) {
        setState("off");
        return;
      }
      retryLater();
    });
  }

  function retryLater() {
    const count = failures() + 1;
    remember(count);
    setState("reconnecting");
    clearTimeout(timer);
    timer = setTimeout(connect, delayAfter(count));
  }

  // Back online: no reason to wait out the backoff.
  window.addEventListener("online", () => {
    if (!socket) connect();
  });
  // Leaving the page closes the socket on purpose: not a failure to back off from.
  window.addEventListener("pagehide", () => {
    leaving = true;
    if (socket) socket.close(1000);
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return; // back from the browser's page cache: open a socket again
    leaving = false;
    connect();
  });

  const pending = failures();
  if (pending > 0) {
    setState("reconnecting");
    timer = setTimeout(connect, delayAfter(pending));
  } else {
    setState("connecting");
    connect();
  }
})();
