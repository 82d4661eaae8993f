"""The report's own Vietnamese words: it is an official Vietnamese document, so these are its text, not
interface strings to translate (the admin pages that offer it are translated as usual)."""

from datetime import date

from newsroom.models import AgencyKind

from ..models import Indicator

STRATEGY = (
    "Quyết định số 348/QĐ-TTg ngày 06/4/2023 của Thủ tướng Chính phủ phê duyệt Chiến lược chuyển đổi số "
    "báo chí đến năm 2025, định hướng đến năm 2030"
)

# As Decision 348/QĐ-TTg words them, for the province table; and short, for the per-agency table's heads.
INDICATOR_NAMES = {
    Indicator.DIGITAL_PLATFORMS: (
        "Cơ quan báo chí đưa nội dung lên các nền tảng số (ưu tiên nền tảng số trong nước)"
    ),
    Indicator.ANALYTICS: "Cơ quan báo chí sử dụng nền tảng phân tích, xử lý dữ liệu tổng hợp tập trung",
    Indicator.CONVERGENT: "Cơ quan báo chí hoạt động, vận hành mô hình tòa soạn hội tụ",
    Indicator.REVENUE_GROWTH: "Cơ quan báo chí có doanh thu tăng từ 20% trở lên so với năm trước",
    Indicator.STAFF_TRAINED: "Cơ quan báo chí có 100% người làm báo được đào tạo, bồi dưỡng về chuyển đổi số",
    Indicator.SECURITY: "Cơ quan báo chí điện tử bảo đảm an toàn hệ thống thông tin cấp độ 3 trở lên",
}
INDICATOR_SHORT = {
    Indicator.DIGITAL_PLATFORMS: "Nền tảng số",
    Indicator.ANALYTICS: "Phân tích dữ liệu",
    Indicator.CONVERGENT: "Tòa soạn hội tụ",
    Indicator.REVENUE_GROWTH: "Doanh thu tăng ≥ 20%",
    Indicator.STAFF_TRAINED: "Đào tạo 100%",
    Indicator.SECURITY: "An toàn cấp độ 3",
}
# What a department usually proposes when an indicator lags; the department edits them in the DOCX.
PROPOSALS = {
    Indicator.DIGITAL_PLATFORMS: (
        "Các cơ quan báo chí chưa đạt chỉ tiêu xây dựng kế hoạch đưa nội dung lên các nền tảng số, ưu tiên "
        "các nền tảng số trong nước."
    ),
    Indicator.ANALYTICS: (
        "Các cơ quan báo chí sử dụng thường xuyên nền tảng đo lường, phân tích dữ liệu độc giả để điều chỉnh "
        "nội dung và phân phối."
    ),
    Indicator.CONVERGENT: (
        "Các cơ quan báo chí hoàn thiện quy trình biên tập, xuất bản đa kênh theo mô hình tòa soạn hội tụ."
    ),
    Indicator.REVENUE_GROWTH: (
        "Các cơ quan báo chí xây dựng phương án đa dạng hóa nguồn thu, phát triển sản phẩm, dịch vụ báo chí "
        "số có thu phí."
    ),
    Indicator.STAFF_TRAINED: (
        "Tiếp tục tổ chức đào tạo, bồi dưỡng kiến thức, kỹ năng chuyển đổi số cho lãnh đạo, phóng viên, "
        "biên tập viên chưa được đào tạo."
    ),
    Indicator.SECURITY: (
        "Các cơ quan báo chí điện tử hoàn thiện hồ sơ đề xuất cấp độ và triển khai phương án bảo đảm an toàn "
        "hệ thống thông tin cấp độ 3 theo Nghị định số 85/2016/NĐ-CP."
    ),
}
AGENCY_KINDS = {
    AgencyKind.NEWSPAPER: "báo in",
    AgencyKind.E_NEWSPAPER: "báo điện tử",
    AgencyKind.MAGAZINE: "tạp chí",
    AgencyKind.RADIO: "đài phát thanh",
    AgencyKind.TELEVISION: "đài phát thanh, truyền hình",
}
MET = "Đạt"
NOT_MET = "Chưa đạt"
NO_DATA = "—"
DECLARED_MARK = " (*)"
# The press moved from the Ministry of Information and Communications to the Ministry of Culture, Sports and
# Tourism when the ministries were reorganised on 1 March 2025: address the report to whoever holds it.
PRESS_MINISTRY_MOVED = date(2025, 3, 1)


def press_ministry(on: date) -> str:
    if on >= PRESS_MINISTRY_MOVED:
        return "Bộ Văn hóa, Thể thao và Du lịch (Cục Báo chí)"
    return "Bộ Thông tin và Truyền thông (Cục Báo chí)"
