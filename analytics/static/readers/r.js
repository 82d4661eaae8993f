/*
 * Readership beacon (plain ES2017, served as is): one page view, then engagement events with the whole
 * seconds engaged (tab visible and focused, reader active in the last 30 s) and the growth of the maximum
 * scroll depth since the previous event. No cookies, no storage, no third parties, nothing under Global
 * Privacy Control. Protocol: analytics/ingest.py.
 */
(() => {
  "use strict";

  const tag = document.currentScript;
  const nav = navigator;
  if (!tag || nav.globalPrivacyControl === true || !window.crypto || !crypto.getRandomValues) return;
  const endpoint = tag.dataset.endpoint;
  const token = tag.dataset.token;
  const page = Number(tag.dataset.page);
  if (!endpoint || !token || !(page > 0)) return;

  const IDLE_MS = 30000; // a reader who has not scrolled, typed, pointed or touched for this long is away
  const REPORT_MS = 30000; // engaged time between two reports while the reader stays
  const TICK_MS = 1000;
  const MAX_SEQUENCE = 500;
  const MAX_SECONDS = 1800; // per event; the rest goes in the next one

  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let view = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(22))) view += ALPHABET[byte & 63];

  let sequence = 0;
  let engagedMs = 0; // engaged time since the page opened
  let reportedMs = 0; // engagedMs when the last report was considered
  let sentSeconds = 0; // whole engaged seconds already sent
  let depth = 0; // maximum scroll depth, in % of the document
  let sentDepth = 0;
  let lastActive = Date.now(); // opening the page is the reader's first act
  let lastTick = lastActive;

  function send(event) {
    const fields = { p: page, t: token, i: view };
    if (nav.webdriver) fields.w = 1;
    const body = JSON.stringify(Object.assign(fields, event));
    try {
      if (nav.sendBeacon && nav.sendBeacon(endpoint, body)) return;
    } catch (error) {
      // Refused by the browser (a quota or a policy): try fetch instead.
    }
    if (window.fetch) {
      fetch(endpoint, { method: "POST", body, keepalive: true, credentials: "omit" }).catch(() => {});
    }
  }

  function measure() {
    const root = document.documentElement;
    const height = Math.max(root.scrollHeight, document.body ? document.body.scrollHeight : 0);
    if (!height) return;
    const seen = (window.scrollY || root.scrollTop || 0) + window.innerHeight;
    depth = Math.max(depth, Math.min(100, Math.round((seen / height) * 100)));
  }

  function report() {
    measure();
    reportedMs = engagedMs;
    const seconds = Math.min(Math.floor(engagedMs / 1000) - sentSeconds, MAX_SECONDS);
    const grown = depth - sentDepth;
    if ((seconds <= 0 && grown <= 0) || sequence >= MAX_SEQUENCE) return;
    sequence += 1;
    sentSeconds += seconds;
    sentDepth = depth;
    send({ k: "en", s: sequence, e: seconds, d: grown });
  }

  function engaged(now) {
    return document.visibilityState === "visible" && document.hasFocus() && now - lastActive < IDLE_MS;
  }

  function tick() {
    const now = Date.now();
    // A timer held back (a sleeping laptop, a throttled tab) adds no more than two ticks.
    if (engaged(now)) engagedMs += Math.min(Math.max(now - lastTick, 0), 2 * TICK_MS);
    lastTick = now;
    measure();
    if (engagedMs - reportedMs >= REPORT_MS) report();
  }

  function active() {
    lastActive = Date.now();
  }

  send({ k: "pv", s: 0, r: document.referrer.slice(0, 2048), u: location.search.slice(0, 1024) });
  measure();

  const options = { capture: true, passive: true };
  for (const type of ["scroll", "wheel", "keydown", "pointerdown", "pointermove", "touchstart"]) {
    addEventListener(type, active, options);
  }
  addEventListener("scroll", measure, options);
  addEventListener("pagehide", report);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") report();
    else lastTick = Date.now();
  });
  setInterval(tick, TICK_MS);
})();
