"""The filing page's messages for its JavaScript, translated here and embedded with json_script.

Placeholders are %(name)s, filled in by the script. Static labels live in the template itself.
"""

from django.utils.translation import gettext as _


def page_texts() -> dict[str, str]:
    return {
        # Where the work is: the status line always says it truthfully.
        "saved_local": _("Saved on this device"),
        "needs_title": _("Saved on this device. Add a headline to save it to the server."),
        "syncing": _("Syncing…"),
        "synced_at": _("Saved to the server at %(time)s"),
        "offline": _("Offline: saved on this device, will send when back online"),
        "retrying": _("Not sent yet; trying again at %(time)s. Your work is saved on this device."),
        "session": _(
            "Your session has ended: log in again in another tab. Your work is safe on this device."
        ),
        "conflict": _("Someone changed this story on the server. Choose which version to keep."),
        "locked": _("This story can no longer be changed here."),
        "submitting": _("Sending to the desk…"),
        "submit_waiting_uploads": _("Will send to the desk once the files have finished uploading."),
        "submit_offline": _("Offline: will send to the desk when back online."),
        "submit_refused_files": _("Remove or replace the refused files before sending to the desk."),
        "submitted": _("Sent to the desk."),
        "storage_failed": _(
            "This browser cannot keep drafts on the device (private browsing?): "
            "keep the page open until the story is sent."
        ),
        # Lists.
        "no_assignments": _("No open assignments."),
        "no_drafts": _("No drafts yet."),
        "deadline": _("Deadline %(time)s"),
        "overdue": _("Overdue"),
        "not_synced": _("Only on this device"),
        "untitled": _("(no headline yet)"),
        "changed_at": _("Changed %(time)s"),
        "loading": _("Opening the story…"),
        "open_failed": _("The story could not be opened: %(error)s"),
        # Uploads.
        "upload_waiting": _("Waiting to upload"),
        "upload_sending": _("%(sent)s of %(total)s (%(percent)s%%)"),
        "upload_paused": _("Paused while offline"),
        "upload_processing": _("Checking the file…"),
        "upload_done": _("In the archive"),
        "upload_duplicate": _("Already in the archive: the existing file is used"),
        "upload_refused": _("Refused: %(error)s"),
        "upload_failed": _("Upload failed: %(error)s"),
        "upload_unavailable": _("Uploads are not available right now; the files stay on this device."),
        "upload_lost": _("The file is no longer on this device: choose it again."),
        "network_error": _("the connection dropped"),
        "server_error": _("the server answered %(status)s"),
        "remove_confirm": _("Remove this file from the story?"),
        # Position.
        "locating": _("Finding your position…"),
        "located": _("%(lat)s, %(lon)s (within %(accuracy)s m)"),
        "locate_denied": _("The browser was not allowed to share your position."),
        "locate_failed": _("Your position could not be found. Type the place name instead."),
        "locate_unsupported": _("This browser cannot share your position."),
        # Conflict.
        "yours": _("Your version"),
        "theirs": _("On the server: changed by %(name)s at %(time)s"),
        "keep_both_done": _("Both kept: your version is now a separate draft."),
        "field_title": _("Headline"),
        "field_sapo": _("Sapo"),
        "field_text": _("Text"),
        "field_location": _("Location"),
        "field_desk_note": _("Note to the desk"),
        "field_assets": _("Files"),
        "assets_count": _("%(count)s files"),
    }
