/*
 * The story form: every keystroke goes to IndexedDB at once (Drafts.update), then the syncer is asked to
 * send it a few seconds after typing stops. Also the attachments list, "use my position", and the two
 * versions side by side when the story changed on the server.
 */

import { normaliseText } from "./sync.js";

const $ = (selector, root = document) => root.querySelector(selector);
const FIELDS = { title: "[data-filing-headline]", sapo: "[data-filing-sapo]", text: "[data-filing-text]",
    location: "[data-filing-location]", desk_note: "[data-filing-desk-note]" };

export function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? values[name] : match)).replace("%%", "%");
}

export function bytes(size, language) {
    const units = ["B", "KB", "MB", "GB"];
    let value = size || 0;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit += 1;
    }
    return `${new Intl.NumberFormat(language, { maximumFractionDigits: unit ? 1 : 0 }).format(value)} ${units[unit]}`;
}

export class Editor {
    constructor({ drafts, syncer, uploads, texts, sections, assignments, language, onChange }) {
        Object.assign(this, { drafts, syncer, uploads, texts, sections, assignments, language, onChange });
        this.form = $("[data-filing-view=editor]");
        this.id = null;
        this.section = $("[data-filing-section]");
        this.list = $("[data-filing-attachments]");
        this._fillSections();
        // "input" fires for every keystroke, and for the section picker too.
        this.form.addEventListener("input", (event) => {
            if (event.target.type !== "file") this._edited(event);
        });
        for (const input of [$("[data-filing-camera]"), $("[data-filing-files]")]) {
            input.addEventListener("change", () => {
                if (this.id && input.files.length) this.uploads.add(this.id, [...input.files]).then(() => this._schedule());
                input.value = "";
            });
        }
        $("[data-filing-locate]").addEventListener("click", () => this._locate());
        this.list.addEventListener("click", (event) => this._attachmentAction(event));
        uploads.addEventListener("change", (event) => event.detail.id === this.id && this.renderAttachments());
        uploads.addEventListener("progress", (event) => this._progress(event.detail));
        uploads.addEventListener("done", (event) => {
            if (event.detail.id) this.syncer.schedule(event.detail.id, 0);
        });
    }

    _fillSections() {
        const agencies = new Set(this.sections.map((s) => s.agency));
        const options = this.sections.map((s) => {
            const option = document.createElement("option");
            option.value = s.id;
            option.textContent = agencies.size > 1 ? `${s.title} · ${s.agency_name}` : s.title;
            return option;
        });
        this.section.replaceChildren(...options);
    }

    get record() {
        return this.drafts.get(this.id);
    }

    open(id) {
        this.id = id;
        const record = this.record;
        for (const [name, selector] of Object.entries(FIELDS)) $(selector, this.form).value = record[name] || "";
        this.section.value = String(record.section || "");
        const assignment = this.assignments.find((a) => a.id === record.assignment);
        $("[data-filing-assignment]").hidden = !assignment;
        if (assignment) {
            $("[data-filing-assignment-title]").textContent = assignment.title;
            $("[data-filing-assignment-brief]").textContent = assignment.brief;
        }
        this._showCoordinates(record);
        this.renderAttachments();
        this.renderState();
    }

    /** Errors, the locked notice and read-only fields, from the record. */
    renderState() {
        const record = this.record;
        if (!record) return;
        const errors = (record.errors && record.errors.fields) || {};
        for (const slot of this.form.querySelectorAll("[data-filing-error]")) {
            slot.textContent = (errors[slot.dataset.filingError] || []).join(" ");
        }
        const general = $("[data-filing-form-error]");
        general.hidden = !(record.errors && record.errors.message);
        general.textContent = (record.errors && record.errors.message) || "";
        const locked = $("[data-filing-locked]");
        locked.hidden = !record.locked;
        locked.textContent = record.locked || "";
        for (const control of this.form.querySelectorAll("input, textarea, select, [data-filing-submit]")) {
            control.disabled = Boolean(record.locked);
        }
    }

    async _edited(event) {
        if (!this.id) return;
        if (event.target.closest("[data-slot=caption]")) return this._caption(event);
        const values = {};
        for (const [name, selector] of Object.entries(FIELDS)) values[name] = $(selector, this.form).value;
        values.section = Number(this.section.value) || null;
        await this.drafts.update(this.id, (r) => {
            Object.assign(r, values);
            r.updated_at = Date.now();
            r.errors = null;
        });
        this.renderState();
        this._schedule();
    }

    async _caption(event) {
        const item = event.target.closest("[data-key]");
        if (!item) return;
        await this.drafts.update(this.id, (r) => {
            const attachment = r.attachments.find((a) => a.key === item.dataset.key);
            if (attachment) attachment.caption = event.target.value;
            r.updated_at = Date.now();
        });
        this._schedule();
    }

    _schedule() {
        this.syncer.schedule(this.id);
        this.onChange(this.id);
    }

    renderAttachments() {
        const record = this.record;
        if (!record) return;
        const template = $("#filing-attachment");
        const items = (record.attachments || []).map((attachment) => {
            const item = template.content.firstElementChild.cloneNode(true);
            item.dataset.key = attachment.key;
            item.dataset.uploadState = attachment.state;
            $("[data-slot=name]", item).textContent = attachment.name || attachment.title || "";
            $("[data-slot=caption]", item).value = attachment.caption || "";
            $("[data-upload-retry]", item).hidden = attachment.state !== "failed";
            this._preview($("[data-slot=preview]", item), attachment);
            this._status(item, attachment, attachment.sent || 0, attachment.size || 0);
            return item;
        });
        this.list.replaceChildren(...items);
    }

    async _preview(slot, attachment) {
        if (attachment.thumbnail) {
            const image = document.createElement("img");
            image.src = attachment.thumbnail;
            image.alt = "";
            return slot.replaceChildren(image);
        }
        const kind = attachment.kind || (attachment.type || "").split("/")[0];
        slot.dataset.kind = kind;
        slot.textContent = kind === "video" ? "▶" : kind === "audio" ? "♪" : "";
        if (kind === "image" && attachment.state !== "done") {
            const file = await this.uploads.store.file(attachment.key);
            if (file) {
                const image = document.createElement("img");
                image.src = URL.createObjectURL(file);
                image.alt = "";
                image.onload = () => URL.revokeObjectURL(image.src);
                slot.replaceChildren(image);
            }
        }
    }

    _status(item, attachment, sent, total) {
        const bar = $("[data-upload-progress]", item);
        const percent = total ? Math.floor((sent / total) * 100) : 0;
        bar.value = attachment.state === "done" || attachment.state === "processing" ? 100 : percent;
        bar.dataset.sent = sent;
        bar.dataset.total = total;
        const t = this.texts;
        const messages = {
            queued: t.upload_waiting,
            uploading: format(t.upload_sending, { sent: bytes(sent, this.language), total: bytes(total, this.language), percent }),
            paused: t.upload_paused,
            processing: t.upload_processing,
            done: attachment.duplicate ? t.upload_duplicate : t.upload_done,
            refused: format(t.upload_refused, { error: attachment.error || "" }),
            failed: format(t.upload_failed, { error: attachment.error || "" }),
            lost: attachment.error || t.upload_lost,
        };
        $("[data-slot=status]", item).textContent = messages[attachment.state] || "";
    }

    _progress({ key, sent, total }) {
        const item = this.list.querySelector(`[data-key="${key}"]`);
        const attachment = this.record && (this.record.attachments || []).find((a) => a.key === key);
        if (item && attachment) {
            item.dataset.uploadState = "uploading";
            this._status(item, { ...attachment, state: "uploading" }, sent, total);
        }
    }

    _attachmentAction(event) {
        const item = event.target.closest("[data-key]");
        if (!item) return;
        if (event.target.closest("[data-upload-retry]")) this.uploads.retry(item.dataset.key);
        if (event.target.closest("[data-upload-remove]") && window.confirm(this.texts.remove_confirm)) {
            this.uploads.remove(item.dataset.key).then(() => this._schedule());
        }
    }

    _showCoordinates(record, accuracy) {
        const output = $("[data-filing-coordinates]");
        if (record.latitude == null) return (output.textContent = "");
        const number = new Intl.NumberFormat(this.language, { maximumFractionDigits: 5 });
        output.textContent = format(this.texts.located, {
            lat: number.format(record.latitude),
            lon: number.format(record.longitude),
            accuracy: accuracy ? Math.round(accuracy) : "?",
        });
    }

    _locate() {
        const output = $("[data-filing-coordinates]");
        if (!("geolocation" in navigator)) return (output.textContent = this.texts.locate_unsupported);
        output.textContent = this.texts.locating;
        const id = this.id;
        navigator.geolocation.getCurrentPosition(
            async (position) => {
                const { latitude, longitude, accuracy } = position.coords;
                const rounded = (value) => Math.round(value * 1e6) / 1e6;
                const record = await this.drafts.update(id, (r) => {
                    Object.assign(r, { latitude: rounded(latitude), longitude: rounded(longitude), updated_at: Date.now() });
                });
                if (this.id === id) this._showCoordinates(record, accuracy);
                this.syncer.schedule(id);
                this.onChange(id);
            },
            (error) => {
                output.textContent = error.code === 1 ? this.texts.locate_denied : this.texts.locate_failed;
            },
            { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
        );
    }

    /** Both versions side by side: the reporter's (still on this device) and the server's. */
    renderConflict(mine, theirs) {
        const t = this.texts;
        const when = theirs.changed_at
            ? new Intl.DateTimeFormat(this.language, { dateStyle: "short", timeStyle: "short" }).format(new Date(theirs.changed_at))
            : "";
        const rows = [
            ["title", t.field_title, (v) => v.title || ""],
            ["sapo", t.field_sapo, (v) => v.sapo || ""],
            ["text", t.field_text, (v) => normaliseText(v.text)],
            ["location", t.field_location, (v) => v.location || ""],
            ["desk_note", t.field_desk_note, (v) => v.desk_note || ""],
            ["assets", t.field_assets, (v) => format(t.assets_count, { count: (v.assets || v.attachments || []).length })],
        ];
        const fill = (article, version, heading) => {
            const title = document.createElement("h3");
            title.textContent = heading;
            const list = document.createElement("dl");
            for (const [name, label, value] of rows) {
                const term = document.createElement("dt");
                term.textContent = label;
                const detail = document.createElement("dd");
                detail.textContent = value(version) || "—";
                detail.dataset.field = name;
                if (value(mine) !== value(theirs)) detail.classList.add("is-different");
                list.append(term, detail);
            }
            article.replaceChildren(title, list);
        };
        fill($("[data-filing-version=mine]"), mine, t.yours);
        fill($("[data-filing-version=theirs]"), theirs, format(t.theirs, { name: theirs.changed_by || "?", time: when }));
    }
}
