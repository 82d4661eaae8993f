/*
 * The reporter's filing page: assignments and drafts, the story form, and a status line that always says
 * where the work is (on this device, syncing, on the server, offline). Plain ES modules, no framework.
 *
 *   store.js    IndexedDB: drafts, the send queue, attachment bytes
 *   sync.js     the JSON API and the queue that sends drafts (debounce, backoff, conflicts)
 *   uploads.js  resumable uploads to the archive (tus)
 *   editor.js   the form, attachments, position, the two versions of a conflict
 *
 * Texts come translated from the page (#filing-texts); the lists from #filing-desk, refreshed when online.
 */

import { Drafts, Store, uuid } from "./store.js";
import { Api, Syncer } from "./sync.js";
import { Uploads } from "./uploads.js";
import { Editor, format } from "./editor.js";

const $ = (selector, root = document) => root.querySelector(selector);
const read = (id) => JSON.parse(document.getElementById(id).textContent);
const config = read("filing-config");
const texts = read("filing-texts");
let desk = read("filing-desk");
const language = document.documentElement.lang || "vi";
const clock = (when) => new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" }).format(new Date(when));
const dateTime = (when) => new Intl.DateTimeFormat(language, { dateStyle: "short", timeStyle: "short" }).format(new Date(when));
const EDITABLE = ["draft", "needs_changes"];

const statusLine = $("[data-filing-status]");
let current = null; // the filing id open in the editor
let note = null; // a one-off message shown once in the status line

function setStatus(state, text) {
    statusLine.dataset.filingStatus = state;
    statusLine.textContent = text;
}

function show(view) {
    for (const element of document.querySelectorAll("[data-filing-view]")) element.hidden = element.dataset.filingView !== view;
    $("[data-filing-conflict]").hidden = view !== "conflict";
    window.scrollTo(0, 0);
}

async function main() {
    const store = await Store.open(config.user);
    const drafts = new Drafts(store);
    await drafts.load();
    const api = new Api(config);
    const agencyOf = (record) => (desk.sections.find((s) => s.id === record.section) || desk.sections[0] || {}).agency;
    const uploads = new Uploads({ store, drafts, endpoint: config.urls.tus, csrfToken: () => api.csrfToken(), agencyOf, texts });
    const syncer = new Syncer({ store, drafts, api, uploadsPending: (record) => uploads.pending(record) });
    const editor = new Editor({
        drafts, syncer, uploads, texts, language,
        sections: desk.sections,
        assignments: desk.assignments,
        onChange: () => refreshStatus(),
    });

    function describe(record) {
        const phase = syncer.phase(record.filing_id);
        const dirty = (record.updated_at || 0) > (record.synced_version || 0);
        if (record.conflict) return ["conflict", texts.conflict];
        if (record.locked) return ["locked", record.locked || texts.locked];
        if (record.errors && record.errors.message) return ["invalid", record.errors.message];
        if (phase.phase === "submitting") return ["submitting", texts.submitting];
        if (phase.phase === "syncing") return ["syncing", texts.syncing];
        if (!syncer.online) return ["offline", record.want_submit ? texts.submit_offline : texts.offline];
        if (phase.phase === "session") return ["session", texts.session];
        if (!(record.title || "").trim()) return ["local", texts.needs_title];
        if (record.want_submit && uploads.refused(record)) return ["invalid", texts.submit_refused_files];
        if (record.want_submit && uploads.pending(record)) return ["waiting", texts.submit_waiting_uploads];
        if (phase.phase === "retry") return ["retrying", format(texts.retrying, { time: clock(phase.retryAt) })];
        if (dirty || record.want_submit || !record.synced_at) return ["local", texts.saved_local];
        return ["synced", format(texts.synced_at, { time: clock(record.synced_at) })];
    }

    function refreshStatus() {
        $("[data-filing-network]").dataset.filingNetwork = syncer.online ? "online" : "offline";
        const record = current && drafts.get(current);
        if (note) {
            setStatus(note[0], note[1]);
            note = null;
        } else if (record) {
            setStatus(...describe(record));
        } else {
            setStatus(syncer.online ? "idle" : "offline", syncer.online ? "" : texts.offline);
        }
    }

    function card(templateId, slots) {
        const item = $(`#${templateId}`).content.firstElementChild.cloneNode(true);
        for (const [name, value] of Object.entries(slots)) {
            const slot = $(`[data-slot=${name}]`, item);
            if (value === null || value === undefined || value === false) slot.hidden = true;
            else if (value === true) slot.hidden = false; // shown as the template has it
            else if (typeof value === "function") slot.addEventListener("click", value);
            else {
                slot.textContent = value;
                slot.hidden = false;
            }
        }
        return item;
    }

    function empty(text) {
        const item = document.createElement("li");
        item.className = "filing-cards__empty";
        item.textContent = text;
        return item;
    }

    function renderDesk() {
        const assignments = desk.assignments.map((a) => {
            const item = card("filing-assignment-card", {
                title: a.title,
                brief: a.brief || null,
                deadline: format(texts.deadline, { time: dateTime(a.deadline) }),
                overdue: a.overdue ? texts.overdue : null,
                start: () => startAssignment(a),
            });
            item.dataset.assignment = a.id;
            if (a.overdue) item.classList.add("is-overdue");
            return item;
        });
        $("[data-filing-assignments]").replaceChildren(...(assignments.length ? assignments : [empty(texts.no_assignments)]));

        const local = drafts.all().filter((r) => !r.submitted);
        const known = new Set(local.flatMap((r) => [r.story_id, r.filing_id]).filter(Boolean));
        const rows = local.map((r) => {
            const item = card("filing-draft-card", {
                title: r.title || texts.untitled,
                status: r.story_id ? r.server_status_label || "" : texts.not_synced,
                when: format(texts.changed_at, { time: dateTime(r.updated_at) }),
                continue: () => openDraft(r.filing_id),
                edit: null,
            });
            item.dataset.filingId = r.filing_id;
            return item;
        });
        for (const d of desk.drafts.filter((d) => !known.has(d.id) && !known.has(d.filing_id))) {
            const editable = EDITABLE.includes(d.status);
            const item = card("filing-draft-card", {
                title: d.title || texts.untitled,
                status: d.status_label,
                when: d.changed_at ? format(texts.changed_at, { time: dateTime(d.changed_at) }) : null,
                continue: editable ? () => continueStory(d.id) : null,
                edit: editable ? null : true,
            });
            if (!editable) $("[data-slot=edit]", item).href = d.edit_url;
            item.dataset.storyId = d.id;
            item.dataset.status = d.status;
            rows.push(item);
        }
        $("[data-filing-drafts]").replaceChildren(...(rows.length ? rows : [empty(texts.no_drafts)]));
    }

    async function refreshDesk() {
        const answer = await api.desk();
        if (answer.kind === "ok") desk = answer.body;
        if (!current) renderDesk();
    }

    function blank(fields = {}) {
        const now = Date.now();
        return {
            filing_id: uuid(), story_id: null, base_revision: null, assignment: null,
            section: (desk.sections[0] || {}).id || null,
            title: "", sapo: "", text: "", location: "", latitude: null, longitude: null, desk_note: "",
            attachments: [], created_at: now, updated_at: now, synced_version: 0, synced_at: null,
            ...fields,
        };
    }

    function fromStory(story, fields = {}) {
        return {
            story_id: story.id, base_revision: story.revision, assignment: story.assignment, section: story.section,
            title: story.title, sapo: story.sapo, text: story.text, location: story.location,
            latitude: story.latitude, longitude: story.longitude, desk_note: story.desk_note,
            attachments: story.assets.map((a) => ({
                key: uuid(), name: a.title, state: "done", asset_id: a.id, kind: a.kind,
                caption: a.caption, credit: a.credit, thumbnail: a.thumbnail || "", size: 0,
            })),
            server_status: story.status, server_status_label: story.status_label, synced_at: story.changed_at,
            ...fields,
        };
    }

    async function newDraft(fields) {
        const record = await drafts.create(blank(fields));
        location.hash = `draft=${record.filing_id}`;
    }

    function startAssignment(assignment) {
        const existing = drafts.all().find((r) => r.assignment === assignment.id && !r.submitted);
        if (existing) return openDraft(existing.filing_id);
        if (assignment.story) return continueStory(assignment.story);
        const section = desk.sections.some((s) => s.id === assignment.section) ? assignment.section : undefined;
        return newDraft({ assignment: assignment.id, ...(section ? { section } : {}) });
    }

    async function continueStory(storyId) {
        const existing = drafts.all().find((r) => r.story_id === storyId);
        if (existing) return openDraft(existing.filing_id);
        setStatus("loading", texts.loading);
        const answer = await api.story(storyId);
        if (answer.kind !== "ok") {
            const reason = (answer.body && answer.body.error) || (syncer.online ? texts.server_error : texts.offline);
            return setStatus("invalid", format(texts.open_failed, { error: format(reason, { status: answer.status }) }));
        }
        const story = answer.body.story;
        // Laid out in the full editor (headings, formatting…): that is where it goes on.
        if (!story.editable) return window.location.assign(story.edit_url);
        const now = Date.now();
        const record = await drafts.create({
            ...blank(), ...fromStory(story), filing_id: story.filing_id || uuid(), updated_at: now, synced_version: now,
        });
        location.hash = `draft=${record.filing_id}`;
    }

    function openDraft(id) {
        if (location.hash !== `#draft=${id}`) {
            current = id; // at once: the hash change that opens it comes later
            location.hash = `draft=${id}`;
            return;
        }
        const record = drafts.get(id);
        current = id;
        if (record.conflict) {
            editor.id = id;
            editor.renderConflict(record, record.conflict);
            show("conflict");
        } else {
            show("editor");
            editor.open(id);
        }
        refreshStatus();
    }

    function route() {
        const match = /^#draft=([\w-]+)$/.exec(location.hash);
        if (match && drafts.get(match[1])) return openDraft(match[1]);
        current = null;
        show("desk");
        renderDesk();
        refreshStatus();
    }

    async function resolve(choice) {
        const id = current;
        const record = drafts.get(id);
        const theirs = record && record.conflict;
        if (!theirs) return;
        const now = Date.now();
        const server = { ...fromStory(theirs), conflict: null, errors: null, updated_at: now, synced_version: now };
        if (choice === "mine") {
            await drafts.update(id, (r) => Object.assign(r, { story_id: theirs.id, base_revision: theirs.revision, conflict: null, updated_at: now }));
            await syncer.schedule(id, 0);
        } else if (choice === "theirs") {
            for (const attachment of record.attachments || []) {
                if (attachment.state !== "done") await uploads.remove(attachment.key);
            }
            await drafts.update(id, (r) => Object.assign(r, server));
        } else {
            const copy = {
                ...structuredClone(record), filing_id: uuid(), story_id: null, base_revision: null, assignment: null,
                conflict: null, errors: null, locked: null, inflight: null, want_submit: false,
                synced_at: null, synced_version: 0, created_at: now, updated_at: now,
            };
            // The copy first, and open: the status line then speaks of it, not of the server's version.
            await drafts.create(copy);
            await uploads.adopt(copy.filing_id, copy.attachments.filter((a) => a.state !== "done").map((a) => a.key));
            note = ["local", texts.keep_both_done];
            openDraft(copy.filing_id);
            await drafts.update(id, (r) => Object.assign(r, server));
            await syncer.schedule(copy.filing_id, 0);
            return;
        }
        openDraft(id);
    }

    async function submit() {
        if (!current) return;
        await drafts.update(current, (r) => Object.assign(r, { want_submit: true, errors: null }));
        await syncer.schedule(current, 0);
        refreshStatus();
    }

    syncer.addEventListener("phase", (event) => {
        if (!event.detail.id || event.detail.id === current) refreshStatus();
    });
    syncer.addEventListener("saved", async (event) => {
        const { id, story, submitted } = event.detail;
        if (submitted) {
            await drafts.remove(id);
            if (id === current) {
                $("[data-filing-sent-title]").textContent = story.title;
                show("sent");
                setStatus("submitted", texts.submitted);
                current = null;
            }
            refreshDesk();
        }
    });
    drafts.addEventListener("change", (event) => {
        const record = drafts.get(event.detail.id);
        if (event.detail.id !== current || !record) return;
        if (record.conflict && $("[data-filing-conflict]").hidden) openDraft(current);
        else editor.renderState();
        refreshStatus();
    });
    uploads.addEventListener("change", () => refreshStatus());
    window.addEventListener("online", () => {
        refreshStatus();
        refreshDesk();
    });
    window.addEventListener("offline", refreshStatus);
    window.addEventListener("hashchange", route);
    $("[data-filing-new]").addEventListener("click", () => newDraft({}));
    $("[data-filing-back]").addEventListener("click", () => (location.hash = ""));
    $("[data-filing-home]").addEventListener("click", () => {
        location.hash = "";
        route();
    });
    $("[data-filing-submit]").addEventListener("click", submit);
    $("[data-filing-keep-mine]").addEventListener("click", () => resolve("mine"));
    $("[data-filing-take-theirs]").addEventListener("click", () => resolve("theirs"));
    $("[data-filing-keep-both]").addEventListener("click", () => resolve("both"));

    // Work left from the last visit: drafts changed but not on the server (their queue entry may be
    // gone if the tab died between the two writes), and unfinished uploads.
    for (const record of drafts.all()) {
        if ((record.updated_at || 0) > (record.synced_version || 0) || record.want_submit) syncer.schedule(record.filing_id, 0);
    }
    uploads.resumeAll();
    syncer.kick();
    route();
    document.body.dataset.filingReady = "true";

    if ("serviceWorker" in navigator && window.isSecureContext) {
        navigator.serviceWorker.register(config.urls.service_worker, { scope: config.urls.scope }).catch(() => null);
    }
}

main().catch((error) => {
    // IndexedDB refused (private browsing on some phones): say so rather than pretend to save.
    setStatus("error", texts.storage_failed);
    throw error;
});
