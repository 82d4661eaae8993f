"""Who and what the demo is made of: agencies, people, tags, picture subjects and datasets.

All of it is Vietnamese demo data, not interface text, so none of it is translated.
"""

from dataclasses import dataclass

from ..models import AgencyKind, OversightKind, Role
from ..services import AgencyData

DEMO_PASSWORD = "tsht-demo-2026"
ADMIN_USERNAME = "admin"
EMAIL_DOMAIN = "example.com"  # reserved for examples (RFC 2606): demo mail can reach no one

AGENCIES = [
    AgencyData(
        name="Báo Hải Dương",
        short_name="baohaiduong",
        kind=AgencyKind.NEWSPAPER,
        hostname="127.0.0.1",
        port=8000,
        licence_number="Giấy phép số 48/GP-BTTTT",
        governing_body="Tỉnh ủy Hải Dương",
        province="Hải Dương",
        tagline="Cơ quan của Đảng bộ, chính quyền và nhân dân tỉnh Hải Dương",
    ),
    AgencyData(
        name="Đài Phát thanh và Truyền hình Sóc Trăng",
        short_name="sttv",
        kind=AgencyKind.TELEVISION,
        hostname="127.0.0.1",
        port=8001,
        licence_number="Giấy phép số 271/GP-BTTTT",
        governing_body="Ủy ban nhân dân tỉnh Sóc Trăng",
        province="Sóc Trăng",
        tagline="Thông tin nhanh, chính xác từ vùng đất Sóc Trăng",
    ),
]

OVERSIGHT_NAME = "Sở Thông tin và Truyền thông"
OVERSIGHT_KIND = OversightKind.PROVINCE
OVERSIGHT_USERNAME = "so.tttt"
OVERSIGHT_PERSON = ("Nguyễn Cao", "Thắng")

# The part of a staff username after the agency's short name: baohaiduong.phongvien.
ROLE_LOGINS = {
    Role.REPORTER: "phongvien",
    Role.EDITOR: "bientap",
    Role.EDITOR_IN_CHIEF: "tongbientap",
    Role.MANAGER: "quanly",
}

# (last name, first name) of the staff account for each role, per agency.
STAFF = {
    "baohaiduong": {
        Role.REPORTER: ("Trần Minh", "Đức"),
        Role.EDITOR: ("Phạm Thị", "Hồng"),
        Role.EDITOR_IN_CHIEF: ("Nguyễn Văn", "Hải"),
        Role.MANAGER: ("Vũ Thị", "Lan"),
    },
    "sttv": {
        Role.REPORTER: ("Lâm Thị", "Ngọc"),
        Role.EDITOR: ("Thạch", "Sa Rươne"),
        Role.EDITOR_IN_CHIEF: ("Huỳnh Văn", "Tâm"),
        Role.MANAGER: ("Lý Thị", "Kim Thoa"),
    },
}


@dataclass(frozen=True)
class AuthorData:
    name: str
    job_title: str
    bio: str
    user_role: str | None = None  # the staff account this byline belongs to, if any
    photographer: bool = False


AUTHORS = {
    "baohaiduong": [
        AuthorData(
            "Trần Minh Đức", "Phóng viên", "Theo dõi mảng chuyển đổi số và khoa học công nghệ.", Role.REPORTER
        ),
        AuthorData("Phạm Thị Hồng", "Biên tập viên", "Biên tập trang Thời sự, Chính trị.", Role.EDITOR),
        AuthorData("Đỗ Quang Huy", "Phóng viên ảnh", "Chụp ảnh thời sự và phóng sự ảnh.", photographer=True),
        AuthorData("Lê Thu Trang", "Phóng viên", "Viết về giáo dục và y tế."),
        AuthorData("Bùi Văn Tiến", "Cộng tác viên", "Cộng tác viên tại thành phố Chí Linh."),
    ],
    "sttv": [
        AuthorData("Lâm Thị Ngọc", "Phóng viên", "Phóng viên thời sự truyền hình.", Role.REPORTER),
        AuthorData("Thạch Sa Rươne", "Biên tập viên", "Biên tập chương trình tiếng Khmer.", Role.EDITOR),
        AuthorData("Trương Minh Phát", "Quay phim", "Quay phim và dựng hình.", photographer=True),
        AuthorData("Võ Thị Bích Tuyền", "Phát thanh viên", "Dẫn chương trình phát thanh buổi sáng."),
        AuthorData("Quách Hữu Nghĩa", "Phóng viên", "Theo dõi nông nghiệp và kinh tế biển."),
        AuthorData("Danh Sóc Kha", "Cộng tác viên", "Cộng tác viên tại thị xã Vĩnh Châu."),
    ],
}

TAGS = [
    "chuyển đổi số",
    "báo chí số",
    "tòa soạn hội tụ",
    "nền tảng số",
    "trí tuệ nhân tạo",
    "dữ liệu",
    "nguồn nhân lực",
    "an toàn thông tin",
    "kinh tế báo chí",
    "trải nghiệm độc giả",
    "phát thanh số",
    "truyền hình số",
    "Quyết định 348/QĐ-TTg",
]

# Subjects of the generated pictures (drawn as shapes; the words name what a real photo would show).
PICTURE_SUBJECTS = [
    "Phòng biên tập tòa soạn hội tụ",
    "Phóng viên tác nghiệp tại hiện trường",
    "Trường quay bản tin thời sự",
    "Hội nghị triển khai chuyển đổi số báo chí",
    "Lớp tập huấn kỹ năng báo chí số",
    "Máy chủ của trung tâm dữ liệu",
    "Bạn đọc xem tin trên điện thoại",
    "Phòng thu phát thanh",
    "Bảng điều khiển số liệu bạn đọc",
    "Cánh đồng lúa vào mùa gặt",
    "Phiên họp Ủy ban nhân dân tỉnh",
    "Biên tập viên duyệt bài trên máy tính",
    "Xe truyền hình lưu động",
    "Chợ nổi buổi sớm",
    "Buổi phát sóng trực tiếp",
    "Lễ hội văn hóa truyền thống",
]
PICTURES_PER_AGENCY = 16
CLIPS_PER_AGENCY = 2
VIDEOS_PER_AGENCY = 1

# Frames that give a reused headline a new angle when an agency needs more headlines than the corpus has.
HEADLINE_FRAMES = [
    "{headline}",
    "{province}: {headline}",
    "Chuyển đổi số báo chí – Bài {part}: {headline}",
    "Góc nhìn: {headline}",
    "Tiêu điểm: {headline}",
]
KICKERS = ["Chuyển đổi số", "Thời sự", "Tiêu điểm", "Góc nhìn", "Sự kiện", "Báo chí", "Công nghệ", ""]
QUOTE_ATTRIBUTION = "Chiến lược chuyển đổi số báo chí đến năm 2025, định hướng đến năm 2030"
LIVE_UPDATES_TITLE = "Tường thuật trực tiếp"
FACTBOX_TITLE = "Những con số chính"
GALLERY_TITLE = "Phóng sự ảnh"
CREDIT = "Ảnh: {name}/{agency}"

CORRECTIONS = [
    "Bản tin trước đây ghi nhầm tỷ lệ cơ quan báo chí đưa nội dung lên nền tảng số; "
    "số liệu đúng đã được cập nhật.",
    "Đã sửa chức danh của người phát biểu tại hội nghị.",
    "Đã bổ sung nguồn của bảng số liệu.",
    "Chú thích ảnh trước đây ghi sai địa điểm; chúng tôi xin lỗi bạn đọc.",
]


@dataclass(frozen=True)
class Dataset:
    title: str
    kind: str  # newsroom.charts.ChartKind
    csv: str
    source: str


DATASETS = [
    Dataset(
        title="Mục tiêu chuyển đổi số báo chí cả nước (% cơ quan báo chí)",
        kind="bar",
        csv=(
            "Chỉ tiêu,Năm 2025,Năm 2030\n"
            "Đưa nội dung lên nền tảng số,70,100\n"
            "Dùng nền tảng phân tích dữ liệu tập trung,50,90\n"
            "Vận hành mô hình tòa soạn hội tụ,80,100\n"
            "Tăng doanh thu tối thiểu 20%,30,50"
        ),
        source="Quyết định 348/QĐ-TTg ngày 6/4/2023",
    ),
    Dataset(
        title="Chỉ tiêu đến năm 2025 của hai tỉnh",
        kind="table",
        csv=(
            "Chỉ tiêu;Hải Dương;Sóc Trăng\n"
            "Cơ quan báo chí đưa nội dung lên nền tảng số;70%;trên 65%\n"
            "Lãnh đạo, phóng viên được đào tạo về chuyển đổi số;100%;100%\n"
            "Báo điện tử bảo đảm an toàn thông tin cấp độ 3;100%;100%"
        ),
        source="Kế hoạch của UBND tỉnh Hải Dương và Kế hoạch 192/KH-UBND tỉnh Sóc Trăng",
    ),
]
# A readership line chart; the figures are invented and labelled as such.
READERSHIP_TITLE = "Lượt xem trang theo tháng (nghìn lượt)"
READERSHIP_SOURCE = "Số liệu minh họa cho bản trình diễn"
MONTHS = ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12"]
