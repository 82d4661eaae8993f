from .agencies import Agency, AgencyGroup, AgencyKind, OversightBody, OversightKind, Role
from .assignments import Assignment, AssignmentState
from .authors import Author
from .pages import HomePage, SectionPage, StoryCorrection, StoryFormat, StoryPage, StoryTag

__all__ = [
    "Assignment",
    "AssignmentState",
    "Agency",
    "AgencyGroup",
    "AgencyKind",
    "Author",
    "HomePage",
    "OversightBody",
    "OversightKind",
    "Role",
    "SectionPage",
    "StoryCorrection",
    "StoryFormat",
    "StoryPage",
    "StoryTag",
]
