/*
 * The filing page's service worker: keeps the page's shell (its HTML, scripts and styles) so that a
 * reporter can open it with no connection. Only the page and its static files are cached; the JSON API
 * and uploads always go to the network (the page itself keeps drafts in IndexedDB).
 *
 * The page: network first (fresh lists and CSRF token when online), the cached copy when offline.
 * Scripts and styles: the cached copy at once, refreshed in the background for the next visit.
 */
"use strict";

const SHELL = {{ shell|safe }};
const PAGE = "{{ scope|escapejs }}";
const CACHE = "newsroom-filing-shell-v1";
const PAGE_TIMEOUT_MS = 5000;

self.addEventListener("install", (event) => {
    event.waitUntil(
        caches.open(CACHE).then((cache) =>
            // One by one, so that a file missing on the server does not stop the others.
            Promise.all(SHELL.map((url) => cache.add(new Request(url, { credentials: "same-origin" })).catch(() => null)))
        ).then(() => self.skipWaiting())
    );
});

self.addEventListener("activate", (event) => {
    event.waitUntil(
        caches.keys()
            .then((names) => Promise.all(names.filter((n) => n.startsWith("newsroom-filing-shell-") && n !== CACHE).map((n) => caches.delete(n))))
            .then(() => self.clients.claim())
    );
});

function isPage(url) {
    return url.origin === self.location.origin && url.pathname === PAGE;
}

function isShellFile(url) {
    return url.origin === self.location.origin && SHELL.includes(url.pathname);
}

async function pageNetworkFirst(request) {
    const cache = await caches.open(CACHE);
    try {
        const response = await Promise.race([
            fetch(request),
            new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), PAGE_TIMEOUT_MS)),
        ]);
        // Only a real page is kept: not a login redirect or an error.
        if (response.ok && !response.redirected) await cache.put(PAGE, response.clone());
        return response;
    } catch (error) {
        const cached = await cache.match(PAGE);
        if (cached) return cached;
        throw error;
    }
}

async function staleWhileRevalidate(event) {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(event.request, { ignoreSearch: true });
    const refresh = fetch(event.request)
        .then((response) => {
            if (response.ok) cache.put(event.request, response.clone());
            return response;
        })
        .catch(() => null);
    if (cached) {
        event.waitUntil(refresh);
        return cached;
    }
    return (await refresh) || Response.error();
}

self.addEventListener("fetch", (event) => {
    if (event.request.method !== "GET") return;
    const url = new URL(event.request.url);
    if (event.request.mode === "navigate" && isPage(url)) {
        event.respondWith(pageNetworkFirst(event.request));
    } else if (isShellFile(url)) {
        event.respondWith(staleWhileRevalidate(event));
    }
});
