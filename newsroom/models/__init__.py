from .agencies import Agency, AgencyGroup, AgencyKind, OversightBody, OversightKind, Role
from .assignments import Assignment, AssignmentState
from .audit import AuditEntry
from .authors import Author
from .operations import BackupRecord, BackupState, WorkerHeartbeat
from .pages import HomePage, SectionPage, StoryCorrection, StoryFormat, StoryPage, StoryTag

__all__ = [
    "Assignment",
    "AssignmentState",
    "AuditEntry",
    "Agency",
    "AgencyGroup",
    "AgencyKind",
    "Author",
    "BackupRecord",
    "BackupState",
    "HomePage",
    "OversightBody",
    "OversightKind",
    "Role",
    "SectionPage",
    "StoryCorrection",
    "StoryFormat",
    "StoryPage",
    "StoryTag",
    "WorkerHeartbeat",
]
