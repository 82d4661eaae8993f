/*
 * The filing page's memory on the device: IndexedDB, so that no keystroke and no photo is lost to a
 * reload, a crash, a closed tab or a dead connection.
 *
 *   drafts  one record per draft, keyed by its client UUID (the story's filing_id on the server)
 *   queue   drafts waiting to be sent to the server: {filing_id, attempts, not_before}
 *   files   the bytes of attachments not yet fully uploaded: {key, filing_id, file}
 *
 * Records carry the user's id: a shared phone never shows one reporter's drafts to another.
 */

const DB_NAME = "newsroom-filing";
const DB_VERSION = 1;

function promised(request) {
    return new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
}

function open() {
    return new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = () => {
            const db = request.result;
            if (!db.objectStoreNames.contains("drafts")) {
                db.createObjectStore("drafts", { keyPath: "filing_id" }).createIndex("user", "user");
            }
            if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "filing_id" });
            if (!db.objectStoreNames.contains("files")) {
                db.createObjectStore("files", { keyPath: "key" }).createIndex("filing_id", "filing_id");
            }
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
        request.onblocked = () => reject(new Error("IndexedDB upgrade blocked by another tab"));
    });
}

export function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    // Older phones: RFC 4122 version 4 from getRandomValues (crypto.randomUUID needs a secure context).
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Store {
    static async open(userId) {
        return new Store(await open(), userId);
    }

    constructor(db, userId) {
        this.db = db;
        this.userId = userId;
    }

    _store(name, mode = "readonly") {
        return this.db.transaction(name, mode).objectStore(name);
    }

    async drafts() {
        const all = await promised(this._store("drafts").index("user").getAll(this.userId));
        return all.sort((a, b) => (b.updated_at || 0) - (a.updated_at || 0));
    }

    async draft(filingId) {
        const record = await promised(this._store("drafts").get(filingId));
        return record && record.user === this.userId ? record : undefined;
    }

    putDraft(record) {
        return promised(this._store("drafts", "readwrite").put({ ...record, user: this.userId }));
    }

    async deleteDraft(filingId) {
        await promised(this._store("drafts", "readwrite").delete(filingId));
        await promised(this._store("queue", "readwrite").delete(filingId));
        const keys = await promised(this._store("files").index("filing_id").getAllKeys(filingId));
        await Promise.all(keys.map((key) => this.deleteFile(key)));
    }

    queued() {
        return promised(this._store("queue").getAll());
    }

    enqueue(entry) {
        return promised(this._store("queue", "readwrite").put(entry));
    }

    dequeue(filingId) {
        return promised(this._store("queue", "readwrite").delete(filingId));
    }

    putFile(key, filingId, file) {
        return promised(this._store("files", "readwrite").put({ key, filing_id: filingId, file }));
    }

    async file(key) {
        const record = await promised(this._store("files").get(key));
        return record ? record.file : undefined;
    }

    deleteFile(key) {
        return promised(this._store("files", "readwrite").delete(key));
    }
}

/**
 * The drafts in memory, written through to IndexedDB on every change: one authority for the editor, the
 * syncer and the uploads, so that none of them overwrites what another just wrote.
 * Dispatches "change" ({detail: {id}}) after each write.
 */
export class Drafts extends EventTarget {
    constructor(store) {
        super();
        this.store = store;
        this.cache = new Map();
    }

    async load() {
        for (const record of await this.store.drafts()) this.cache.set(record.filing_id, record);
    }

    get(id) {
        return this.cache.get(id);
    }

    all() {
        return [...this.cache.values()].sort((a, b) => (b.updated_at || 0) - (a.updated_at || 0));
    }

    /** The draft holding attachment `key`, if any. */
    holding(key) {
        return this.all().find((record) => (record.attachments || []).some((a) => a.key === key));
    }

    async create(record) {
        this.cache.set(record.filing_id, record);
        await this.store.putDraft(record);
        this.dispatchEvent(new CustomEvent("change", { detail: { id: record.filing_id } }));
        return record;
    }

    /** Apply `mutate(record)` and save; answers the record, or undefined if it is gone. */
    async update(id, mutate) {
        const record = this.cache.get(id);
        if (!record) return undefined;
        mutate(record);
        await this.store.putDraft(record);
        this.dispatchEvent(new CustomEvent("change", { detail: { id } }));
        return record;
    }

    async remove(id) {
        this.cache.delete(id);
        await this.store.deleteDraft(id);
        this.dispatchEvent(new CustomEvent("change", { detail: { id, removed: true } }));
    }
}
