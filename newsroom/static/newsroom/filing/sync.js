/*
 * Sending drafts to the server: a queue in IndexedDB drained when online, debounced after typing, retried
 * with backoff; conflicts kept for the reporter to resolve, never overwritten.
 *
 * Every save carries `base_revision`, the story's latest revision this browser saw. The server answers 409
 * with its own version if the story changed since; if that version is exactly what this browser sent last
 * (the answer to that save was lost on the way back), the browser adopts it and carries on by itself.
 */

const DEBOUNCE_MS = 2500; // after typing stops
const MAX_WAIT_MS = 20000; // a reporter typing without pause still reaches the server this often
const BACKOFF_BASE_MS = 2000;
const BACKOFF_CAP_MS = 60000;

/** The fields of a draft the server stores, in the API's shape (see newsroom/filing/views.py). */
export function content(record) {
    return {
        section: record.section,
        title: record.title || "",
        sapo: record.sapo || "",
        text: record.text || "",
        assets: (record.attachments || [])
            .filter((a) => a.state === "done" && a.asset_id)
            .map((a) => ({ id: a.asset_id, kind: a.kind, caption: a.caption || "", credit: a.credit || "" })),
        location: record.location || "",
        latitude: record.latitude ?? null,
        longitude: record.longitude ?? null,
        desk_note: record.desk_note || "",
    };
}

const squash = (text) => (text || "").split(/\s+/).filter(Boolean).join(" ");

/** Paragraphs as the server keeps them (newsroom/filing/drafts.py): blank lines split, spaces collapsed. */
export function normaliseText(text) {
    return (text || "")
        .replace(/\r\n?/g, "\n")
        .split(/\n\s*\n/)
        .map((p) => p.split("\n").map(squash).filter(Boolean).join("\n"))
        .filter(Boolean)
        .join("\n\n");
}

/** A string equal for two drafts exactly when the server would store the same story. */
export function canonical(fields) {
    return JSON.stringify([
        fields.section,
        squash(fields.title),
        (fields.sapo || "").trim(),
        normaliseText(fields.text),
        (fields.assets || []).map((a) => [a.id, a.kind, squash(a.caption), a.kind === "image" ? squash(a.credit) : ""]),
        squash(fields.location),
        fields.latitude ?? null,
        fields.longitude ?? null,
        (fields.desk_note || "").trim(),
    ]);
}

export class Api {
    constructor(config) {
        this.config = config;
    }

    csrfToken() {
        const name = this.config.csrf_cookie + "=";
        const cookie = document.cookie.split("; ").find((c) => c.startsWith(name));
        return cookie ? decodeURIComponent(cookie.slice(name.length)) : this.config.csrf_token;
    }

    storyUrl(template, id) {
        return template.replace(/\/0\/(submit\/)?$/, `/${id}/$1`);
    }

    /** Answers {kind, status, body}; kind: ok, conflict, invalid, notfound, locked, auth, server or network. */
    async request(method, url, body) {
        let response;
        try {
            response = await fetch(url, {
                method,
                credentials: "same-origin",
                redirect: "manual", // a lapsed session must not turn into a login page read as JSON
                headers: {
                    Accept: "application/json",
                    "Content-Type": "application/json",
                    "X-CSRFToken": this.csrfToken(),
                    "X-Requested-With": "XMLHttpRequest",
                },
                body: body === undefined ? undefined : JSON.stringify(body),
            });
        } catch (error) {
            return { kind: "network", status: 0, body: null };
        }
        if (response.type === "opaqueredirect") return { kind: "auth", status: 0, body: null };
        let json = null;
        if ((response.headers.get("Content-Type") || "").includes("application/json")) {
            json = await response.json().catch(() => null);
        }
        const kinds = { 200: "ok", 201: "ok", 400: "invalid", 404: "notfound", 409: "conflict", 423: "locked" };
        let kind = json ? kinds[response.status] : undefined;
        if (!kind) kind = response.status === 401 || response.status === 403 ? "auth" : "server";
        return { kind, status: response.status, body: json };
    }

    save(record, payload) {
        const url = record.story_id ? this.storyUrl(this.config.urls.story, record.story_id) : this.config.urls.file;
        return this.request("POST", url, payload);
    }

    submit(record, payload) {
        return this.request("POST", this.storyUrl(this.config.urls.submit, record.story_id), payload);
    }

    story(id) {
        return this.request("GET", this.storyUrl(this.config.urls.story, id));
    }

    desk() {
        return this.request("GET", this.config.urls.desk);
    }
}

/**
 * Drains the queue. Dispatches "phase" ({detail: {id, phase, retryAt}}) with phase syncing, submitting,
 * idle, retry or session, and "saved" ({detail: {id, story, submitted}}) after each successful save.
 */
export class Syncer extends EventTarget {
    constructor({ store, drafts, api, uploadsPending }) {
        super();
        this.store = store;
        this.drafts = drafts;
        this.api = api;
        this.uploadsPending = uploadsPending; // (record) => true while some attachment is still uploading
        this.online = navigator.onLine;
        this.phases = new Map();
        this.timer = null;
        this.running = false;
        window.addEventListener("online", () => {
            this.online = true;
            this.kick(true);
        });
        window.addEventListener("offline", () => {
            this.online = false;
            this.dispatchEvent(new CustomEvent("phase", { detail: { id: null, phase: "offline" } }));
        });
    }

    phase(id) {
        return this.phases.get(id) || { phase: "idle" };
    }

    _phase(id, phase, extra = {}) {
        this.phases.set(id, { phase, ...extra });
        this.dispatchEvent(new CustomEvent("phase", { detail: { id, phase, ...extra } }));
    }

    /** Queue draft `id` for sending, `delay` ms from now (debounced; never later than MAX_WAIT_MS). */
    async schedule(id, delay = DEBOUNCE_MS) {
        const now = Date.now();
        const queued = (await this.store.queued()).find((entry) => entry.filing_id === id);
        const since = queued ? queued.since : now;
        const notBefore = Math.min(now + delay, since + MAX_WAIT_MS);
        await this.store.enqueue({ filing_id: id, since, attempts: 0, not_before: notBefore });
        this._wake(Math.max(0, notBefore - now));
    }

    _wake(inMs) {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.run(), inMs);
    }

    /** Send what is due now; with `all`, everything queued (the connection just came back). */
    async kick(all = false) {
        if (all) {
            for (const entry of await this.store.queued()) {
                await this.store.enqueue({ ...entry, attempts: 0, not_before: 0 });
            }
        }
        this._wake(0);
    }

    async run() {
        if (this.running) return;
        this.running = true;
        try {
            for (;;) {
                const now = Date.now();
                const queue = await this.store.queued();
                const mine = queue.filter((entry) => this.drafts.get(entry.filing_id));
                const due = mine.filter((entry) => entry.not_before <= now);
                if (!due.length || !this.online) {
                    const next = Math.min(...mine.map((entry) => entry.not_before));
                    if (this.online && Number.isFinite(next)) this._wake(Math.max(0, next - now));
                    break;
                }
                for (const entry of due) await this._send(entry);
            }
        } finally {
            this.running = false;
        }
    }

    async _send(entry) {
        const id = entry.filing_id;
        const record = this.drafts.get(id);
        if (!record || record.conflict || record.locked || record.submitted || !(record.title || "").trim()) {
            // Waiting for the reporter (a conflict, a headline) or nothing left to send.
            await this.store.dequeue(id);
            this._phase(id, "idle");
            return;
        }
        const fields = content(record);
        const submitting = Boolean(record.want_submit && record.story_id && !this.uploadsPending(record));
        const sentVersion = record.updated_at;
        const payload = {
            filing_id: id,
            base_revision: record.base_revision,
            assignment: record.assignment,
            ...fields,
        };
        await this.drafts.update(id, (r) => (r.inflight = canonical(fields)));
        this._phase(id, submitting ? "submitting" : "syncing");
        const answer = submitting ? await this.api.submit(record, payload) : await this.api.save(record, payload);
        const story = answer.body && answer.body.story;
        if (answer.kind === "ok") {
            await this.drafts.update(id, (r) => {
                Object.assign(r, { story_id: story.id, base_revision: story.revision, inflight: null, errors: null });
                r.synced_at = new Date().toISOString();
                r.synced_version = Math.max(r.synced_version || 0, sentVersion);
                r.server_status = story.status;
                r.server_status_label = story.status_label;
                if (submitting) Object.assign(r, { submitted: true, want_submit: false });
            });
            const fresh = this.drafts.get(id);
            const submitNext = fresh.want_submit && !submitting && !this.uploadsPending(fresh);
            if (submitNext || fresh.updated_at > fresh.synced_version) {
                // Typed on during the request, or created first and now to be sent to the desk.
                const notBefore = submitNext ? 0 : Date.now() + DEBOUNCE_MS;
                await this.store.enqueue({ filing_id: id, since: Date.now(), attempts: 0, not_before: notBefore });
            } else {
                await this.store.dequeue(id);
            }
            this._phase(id, "idle");
            this.dispatchEvent(new CustomEvent("saved", { detail: { id, story, submitted: submitting } }));
        } else if (answer.kind === "conflict" && story) {
            const ours = story.representable && canonical(story) === record.inflight;
            await this.drafts.update(id, (r) => {
                r.inflight = null;
                if (ours) Object.assign(r, { story_id: story.id, base_revision: story.revision });
                else r.conflict = story;
            });
            if (ours) await this.store.enqueue({ filing_id: id, since: Date.now(), attempts: 0, not_before: 0 });
            else await this.store.dequeue(id);
            this._phase(id, "idle");
        } else if (["invalid", "notfound", "locked"].includes(answer.kind)) {
            const body = answer.body || {};
            await this.drafts.update(id, (r) => {
                r.inflight = null;
                r.want_submit = false;
                r.errors = { message: body.error || "", fields: body.fields || {} };
                if (answer.kind === "locked") r.locked = body.error || "";
                if (answer.kind === "locked" && story) r.server_status_label = story.status_label;
            });
            await this.store.dequeue(id);
            this._phase(id, "idle");
        } else {
            // The network, the server or the session: keep it queued and try again later.
            const attempts = (entry.attempts || 0) + 1;
            const wait = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempts - 1));
            const retryAt = Date.now() + wait / 2 + Math.random() * (wait / 2);
            await this.store.enqueue({ ...entry, attempts, not_before: retryAt });
            if (answer.kind === "network" && !navigator.onLine) this.online = false;
            this._phase(id, answer.kind === "auth" ? "session" : "retry", { retryAt });
        }
    }
}
