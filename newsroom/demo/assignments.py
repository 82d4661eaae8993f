"""The desk's assignments in the demo: what each agency's reporter has to file, one of them overdue."""

from datetime import timedelta

from django.utils import timezone

from ..models import Agency, Assignment, Role, SectionPage

# (story idea, brief, hours from now to the deadline; negative: already overdue)
IDEAS = [
    (
        "Hợp tác xã đưa nông sản lên sàn thương mại điện tử",
        "Gặp giám đốc hợp tác xã và hai xã viên; ảnh đóng gói, livestream bán hàng. Khoảng 800 chữ.",
        -3,
    ),
    (
        "Người dân làm thủ tục trên Cổng dịch vụ công",
        "Ghi nhận tại bộ phận một cửa cấp xã sáng mai; phỏng vấn người dân và cán bộ tiếp nhận; video ngắn.",
        20,
    ),
    (
        "Trường học chuyển đổi số: sổ liên lạc điện tử",
        "Ý kiến phụ huynh, giáo viên; số liệu của Sở Giáo dục. Ảnh lớp học.",
        52,
    ),
]


def ensure_assignments(agency: Agency, *, staff: dict) -> int:
    """Give the agency's reporter the demo assignments unless they have some; returns how many were made."""
    reporter = staff[Role.REPORTER]
    if Assignment.objects.filter(agency=agency, reporter=reporter).exists():
        return 0
    sections = list(SectionPage.objects.child_of(agency.root_page).order_by("path"))
    now = timezone.now()
    Assignment.objects.bulk_create(
        Assignment(
            agency=agency,
            section=sections[index % len(sections)] if sections else None,
            title=title,
            brief=brief,
            reporter=reporter,
            assigned_by=staff[Role.EDITOR],
            deadline=now + timedelta(hours=hours),
        )
        for index, (title, brief, hours) in enumerate(IDEAS)
    )
    return len(IDEAS)
