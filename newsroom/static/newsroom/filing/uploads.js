/*
 * Photos, video and audio from the field, sent to the archive by resumable upload (tus 1.0.0 through the
 * vendored tus-js-client, window.tus). A file's bytes stay in IndexedDB until the archive has it, and its
 * upload URL is kept on the draft, so an upload carries on after a dropped connection, a reload or a
 * killed tab without the reporter choosing the file again. Uploads pause while offline.
 *
 * Attachment states: queued → uploading → processing (all bytes sent; the archive checks the file) →
 * done | refused (the archive said no: its message) | failed (retry) | paused (offline) | lost.
 * Dispatches "change" ({detail: {id, key}}) on a new state and "progress" ({detail: {key, sent, total}}).
 */

import { uuid } from "./store.js";

const CHUNK_SIZE = 2 * 1024 * 1024; // each PATCH is kept by the server, so a drop loses at most this much
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000, 60000, 60000];
const PENDING = ["queued", "uploading", "processing", "paused", "failed"];

function serverMessage(response) {
    if (!response) return "";
    const body = response.getBody ? response.getBody() : "";
    try {
        const json = JSON.parse(body);
        return json.error || json.message || "";
    } catch (error) {
        return body && !body.trim().startsWith("<") ? body.trim().slice(0, 300) : "";
    }
}

export class Uploads extends EventTarget {
    constructor({ store, drafts, endpoint, csrfToken, agencyOf, texts }) {
        super();
        this.store = store;
        this.drafts = drafts;
        this.endpoint = endpoint;
        this.csrfToken = csrfToken;
        this.agencyOf = agencyOf; // (record) => the agency id the files belong to
        this.texts = texts;
        this.active = new Map(); // key → tus.Upload
        window.addEventListener("offline", () => this.pauseAll());
        window.addEventListener("online", () => this.resumeAll());
    }

    get available() {
        return Boolean(window.tus && window.tus.isSupported);
    }

    /** True while some attachment of `record` is still on its way to the archive. */
    pending(record) {
        return (record.attachments || []).some((a) => PENDING.includes(a.state));
    }

    refused(record) {
        return (record.attachments || []).some((a) => ["refused", "lost"].includes(a.state));
    }

    async _set(key, changes) {
        const record = this.drafts.holding(key);
        if (!record) return undefined;
        await this.drafts.update(record.filing_id, (r) => {
            const attachment = r.attachments.find((a) => a.key === key);
            if (attachment) Object.assign(attachment, changes);
        });
        this.dispatchEvent(new CustomEvent("change", { detail: { id: record.filing_id, key } }));
        return record;
    }

    /** Keep `files` (a FileList or array) on the device, attach them to draft `id` and start sending. */
    async add(id, files) {
        const added = [];
        for (const file of files) {
            const key = uuid();
            await this.store.putFile(key, id, file);
            added.push({ key, name: file.name, type: file.type, size: file.size, state: "queued", sent: 0, caption: "" });
        }
        await this.drafts.update(id, (r) => {
            r.attachments = [...(r.attachments || []), ...added];
            r.updated_at = Date.now();
        });
        this.dispatchEvent(new CustomEvent("change", { detail: { id } }));
        for (const attachment of added) this.start(attachment.key);
    }

    async start(key) {
        const record = this.drafts.holding(key);
        const attachment = record && record.attachments.find((a) => a.key === key);
        if (!attachment || this.active.has(key)) return;
        if (attachment.state === "processing" && attachment.upload_url) return this._collect(key, attachment.upload_url, {});
        if (!this.available) return this._set(key, { state: "failed", error: this.texts.upload_unavailable });
        if (!navigator.onLine) return this._set(key, { state: "paused" });
        const file = await this.store.file(key);
        if (!file) return this._set(key, { state: "lost", error: this.texts.upload_lost });
        const fromHeaders = {};
        const upload = new window.tus.Upload(file, {
            endpoint: this.endpoint,
            uploadUrl: attachment.upload_url || null,
            chunkSize: CHUNK_SIZE,
            retryDelays: RETRY_DELAYS,
            metadata: {
                filename: attachment.name,
                filetype: attachment.type || "application/octet-stream",
                agency: String(this.agencyOf(record) || ""),
                title: attachment.name.replace(/\.[^.]+$/, ""),
            },
            headers: { "X-CSRFToken": this.csrfToken() },
            // One fingerprint per attachment: the same photo attached twice is two uploads, never mixed up.
            fingerprint: () => Promise.resolve(`newsroom-filing-${key}`),
            storeFingerprintForResuming: true,
            removeFingerprintOnSuccess: true,
            onUploadUrlAvailable: () => this._set(key, { upload_url: upload.url }),
            onProgress: (sent, total) => {
                this.dispatchEvent(new CustomEvent("progress", { detail: { key, sent, total } }));
            },
            onChunkComplete: (size, accepted) => this._set(key, { sent: accepted }),
            onAfterResponse: (request, response) => {
                const assetId = response.getHeader("Archive-Asset-Id");
                if (assetId) {
                    fromHeaders.asset_id = Number(assetId);
                    fromHeaders.kind = response.getHeader("Archive-Asset-Kind");
                    fromHeaders.duplicate = response.getHeader("Archive-Asset-Duplicate") === "1";
                }
            },
            onSuccess: () => {
                this.active.delete(key);
                this._collect(key, upload.url, fromHeaders);
            },
            onError: (error) => {
                this.active.delete(key);
                this._failed(key, upload.url, error);
            },
        });
        this.active.set(key, upload);
        await this._set(key, { state: "uploading", error: "" });
        upload.start();
    }

    /** All bytes are in: ask the archive what became of the file (`GET <upload url>/asset`). */
    async _collect(key, url, fromHeaders) {
        await this._set(key, { state: "processing", upload_url: url });
        let answer = null;
        try {
            const response = await fetch(`${url}/asset`, { credentials: "same-origin", headers: { Accept: "application/json" } });
            answer = { status: response.status, body: await response.json().catch(() => ({})) };
        } catch (error) {
            answer = null;
        }
        if (answer && answer.status === 200 && answer.body.id) {
            const { id, kind, duplicate, thumbnail } = answer.body;
            return this._done(key, { asset_id: id, kind, duplicate: Boolean(duplicate), thumbnail: thumbnail || "" });
        }
        if (answer && answer.status === 422) {
            return this._set(key, { state: "refused", error: answer.body.error || "" });
        }
        if (answer && answer.status === 409) return this._set(key, { state: "queued" }).then(() => this.start(key));
        if (fromHeaders.asset_id) return this._done(key, { ...fromHeaders, thumbnail: "" });
        // Not reachable now: the next "online" or page load asks again.
        return this._set(key, { state: "processing" });
    }

    async _done(key, asset) {
        await this.store.deleteFile(key);
        await this._set(key, { state: "done", error: "", ...asset });
        const record = this.drafts.holding(key);
        if (record) await this.drafts.update(record.filing_id, (r) => (r.updated_at = Date.now()));
        this.dispatchEvent(new CustomEvent("done", { detail: { id: record && record.filing_id, key } }));
    }

    async _failed(key, url, error) {
        const response = error && error.originalResponse;
        const status = response ? response.getStatus() : 0;
        if (!navigator.onLine) return this._set(key, { state: "paused", upload_url: url || undefined });
        if (status === 422 && url) return this._collect(key, url, {});
        if (status >= 400 && status < 500 && ![409, 423].includes(status)) {
            const message = serverMessage(response) || this.texts.server_error.replace("%(status)s", status);
            return this._set(key, { state: "refused", error: message });
        }
        const reason = status ? this.texts.server_error.replace("%(status)s", status) : this.texts.network_error;
        return this._set(key, { state: "failed", error: reason });
    }

    pauseAll() {
        for (const [key, upload] of this.active) {
            upload.abort(false); // keeps the upload on the server, to resume from its offset
            this.active.delete(key);
            this._set(key, { state: "paused" });
        }
    }

    /** Start or check every unfinished attachment of every draft (page load, back online). */
    resumeAll() {
        for (const record of this.drafts.all()) {
            for (const attachment of record.attachments || []) {
                if (["queued", "uploading", "paused", "processing"].includes(attachment.state)) this.start(attachment.key);
            }
        }
    }

    retry(key) {
        return this._set(key, { state: "queued", error: "" }).then(() => this.start(key));
    }

    /** Detach a file from its draft; an unfinished upload is ended on the server too. */
    async remove(key) {
        const upload = this.active.get(key);
        this.active.delete(key);
        if (upload) await upload.abort(true).catch(() => null);
        await this.store.deleteFile(key);
        const record = this.drafts.holding(key);
        if (!record) return;
        await this.drafts.update(record.filing_id, (r) => {
            r.attachments = r.attachments.filter((a) => a.key !== key);
            r.updated_at = Date.now();
        });
        this.dispatchEvent(new CustomEvent("change", { detail: { id: record.filing_id } }));
    }

    /** Move attachment bytes to draft `id` (the reporter kept both versions of a story). */
    async adopt(id, keys) {
        for (const key of keys) {
            const file = await this.store.file(key);
            if (file) await this.store.putFile(key, id, file);
        }
    }
}
