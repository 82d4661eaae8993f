// The newsroom board keeps itself up to date: on any event of its agency (over the tab's one socket, see
// socket.js) it fetches its columns again as an HTML fragment and swaps them in. Refetching the whole
// board, rather than patching cards from events, keeps it correct whatever the event said.
(() => {
  "use strict";
  const board = document.querySelector("[data-board]");
  if (!board) return;
  const columns = board.querySelector("[data-board-columns]");
  const indicator = board.querySelector("[data-board-live]");
  const indicatorLabel = board.querySelector("[data-board-live-label]");
  const labels = JSON.parse(document.getElementById("newsroom-board-labels").textContent);
  const agency = board.dataset.agency;
  const url = board.dataset.fragmentUrl;
  // Several events in a burst (approve, publish, presence) make one fetch.
  const SETTLE = 300;
  // Without events the board still changes: editors leave, deadlines pass.
  const EVERY = 60000;
  let timer = null;
  let fetching = false;
  let again = false;
  let refreshed = 0;

  async function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.ok) {
        columns.innerHTML = await response.text();
        refreshed += 1;
        columns.dataset.refreshed = String(refreshed);
      }
    } catch {
      // Offline for a moment: the next event or the next minute tries again.
    } finally {
      fetching = false;
      if (again) {
        again = false;
        soon();
      }
    }
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, SETTLE);
  }

  function showState(state) {
    const shown = state === "off" ? "offline" : state;
    indicator.dataset.state = shown;
    indicatorLabel.textContent = labels[shown] || labels.connecting;
  }

  let wasLive = window.NewsroomLive && window.NewsroomLive.state === "live";
  document.addEventListener("newsroom:event", (event) => {
    const agencyOfEvent = event.detail && event.detail.agency;
    if (agencyOfEvent && String(agencyOfEvent) !== agency) return;
    soon();
  });
  document.addEventListener("newsroom:status", (event) => {
    const { state } = event.detail;
    showState(state);
    // Events sent while the socket was down are lost: catch up once it is back.
    if (state === "live" && !wasLive) soon();
    wasLive = state === "live";
  });
  showState(window.NewsroomLive ? window.NewsroomLive.state : "off");
  setInterval(soon, EVERY);

  const picker = board.querySelector("[data-board-picker]");
  if (picker) {
    picker.querySelector("[data-board-picker-submit]").hidden = true;
    picker.querySelector("select").addEventListener("change", () => picker.submit());
  }
})();
