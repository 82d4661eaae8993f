"""Check files for the shared media archive by what they contain, not by what they are called.

Uploads come from reporters' phones, agency photo desks and old camcorders. File names and the MIME
types browsers send are often wrong and sometimes hostile, so everything here looks at the bytes:
magic numbers first, then Pillow for photos, defusedxml for SVG and PyAV (FFmpeg) for sound and
video. A file reaches the archive only if the library that will later process it can read it.

`photo_metadata` reads the caption, credit, place and time a photographer stored in the photo
(EXIF, IPTC and XMP), so the archive form can be filled in for them.
"""

import functools
import hashlib
import math
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone

import av
from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from defusedxml.ElementTree import fromstring as parse_xml
from django.conf import settings
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, IptcImagePlugin

MB = 1024 * 1024
KINDS = ("image", "video", "audio")
DEFAULT_MAX_UPLOAD_BYTES = {"image": 50 * MB, "audio": 500 * MB, "video": 4096 * MB}
DEFAULT_MAX_IMAGE_PIXELS = 80_000_000

# Enough for every magic number below and for the root element of an SVG behind a long comment.
_HEAD_BYTES = 64 * 1024
# Decoding stops after this many packets: a decoder that has produced nothing by then never will,
# and a hostile file must not keep a worker busy.
_MAX_PACKETS_TO_DECODE = 500


class RejectedFile(Exception):
    """A file the archive refuses.

    `message` (also `str()`) is a translated sentence for the person who uploaded the file;
    `code` is a stable slug for code and tests: 'empty', 'too_large', 'unknown_type',
    'wrong_extension', 'corrupt', 'image_bomb' or 'unsafe_svg'.
    """

    def __init__(self, message, code):
        super().__init__(message)
        self.message = str(message)
        self.code = code

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class FileFacts:
    """What an accepted file really is; `extension` is the one to store it under."""

    kind: str
    mime_type: str
    extension: str
    size: int
    sha256: str


@dataclass(frozen=True)
class PhotoMetadata:
    title: str = ""
    caption: str = ""
    credit: str = ""
    creator: str = ""
    copyright: str = ""
    captured_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    location: str = ""
    keywords: tuple[str, ...] = ()


# --- Formats -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    """One concrete format. `description` is marked for translation and translated when shown."""

    mime_type: str
    extension: str
    description: str
    pillow_format: str | None = None


@dataclass(frozen=True)
class _AVFamily:
    """A container FFmpeg reads. Many hold either sound or pictures, so the streams found inside
    decide between `video` and `audio`; `likely_kind` is the guess when they cannot be listed."""

    demuxer: str
    video: _Format | None
    audio: _Format | None
    likely_kind: str


_IMAGES = {
    "jpeg": _Format("image/jpeg", "jpg", gettext_noop("a JPEG image"), "JPEG"),
    "png": _Format("image/png", "png", gettext_noop("a PNG image"), "PNG"),
    "gif": _Format("image/gif", "gif", gettext_noop("a GIF image"), "GIF"),
    "webp": _Format("image/webp", "webp", gettext_noop("a WebP image"), "WEBP"),
    "tiff": _Format("image/tiff", "tif", gettext_noop("a TIFF image"), "TIFF"),
    "heic": _Format("image/heic", "heic", gettext_noop("a HEIC image"), "HEIF"),
    "heif": _Format("image/heif", "heif", gettext_noop("a HEIF image"), "HEIF"),
    "avif": _Format("image/avif", "avif", gettext_noop("an AVIF image"), "AVIF"),
    "svg": _Format("image/svg+xml", "svg", gettext_noop("an SVG image")),
}

_MP4_AUDIO = _Format("audio/mp4", "m4a", gettext_noop("an M4A audio file"))
_AV_FAMILIES = {
    "mp4": _AVFamily("mov", _Format("video/mp4", "mp4", gettext_noop("an MP4 video")), _MP4_AUDIO, "video"),
    # iTunes-style audio ('M4A ', 'M4B ' brands): only the guess differs, the streams still decide.
    "m4a": _AVFamily("mov", _Format("video/mp4", "mp4", gettext_noop("an MP4 video")), _MP4_AUDIO, "audio"),
    "mov": _AVFamily(
        "mov", _Format("video/quicktime", "mov", gettext_noop("a QuickTime (MOV) video")), _MP4_AUDIO, "video"
    ),
    "webm": _AVFamily(
        "matroska",
        _Format("video/webm", "webm", gettext_noop("a WebM video")),
        _Format("audio/webm", "webm", gettext_noop("a WebM audio file")),
        "video",
    ),
    "mkv": _AVFamily(
        "matroska",
        _Format("video/x-matroska", "mkv", gettext_noop("a Matroska (MKV) video")),
        _Format("audio/x-matroska", "mka", gettext_noop("a Matroska (MKA) audio file")),
        "video",
    ),
    "ogg": _AVFamily(
        "ogg",
        _Format("video/ogg", "ogv", gettext_noop("an Ogg video")),
        _Format("audio/ogg", "ogg", gettext_noop("an Ogg audio file")),
        "audio",
    ),
    "mp3": _AVFamily("mp3", None, _Format("audio/mpeg", "mp3", gettext_noop("an MP3 audio file")), "audio"),
    "wav": _AVFamily("wav", None, _Format("audio/wav", "wav", gettext_noop("a WAV audio file")), "audio"),
    "flac": _AVFamily(
        "flac", None, _Format("audio/flac", "flac", gettext_noop("a FLAC audio file")), "audio"
    ),
    "aac": _AVFamily("aac", None, _Format("audio/aac", "aac", gettext_noop("an AAC audio file")), "audio"),
    "aiff": _AVFamily(
        "aiff", None, _Format("audio/aiff", "aif", gettext_noop("an AIFF audio file")), "audio"
    ),
    # Older camcorders, TV playout and Windows tools still produce these.
    "avi": _AVFamily("avi", _Format("video/x-msvideo", "avi", gettext_noop("an AVI video")), None, "video"),
    "mpegts": _AVFamily(
        "mpegts", _Format("video/mp2t", "ts", gettext_noop("an MPEG transport stream video")), None, "video"
    ),
    "mpegps": _AVFamily("mpeg", _Format("video/mpeg", "mpg", gettext_noop("an MPEG video")), None, "video"),
    "flv": _AVFamily(
        "flv", _Format("video/x-flv", "flv", gettext_noop("a Flash (FLV) video")), None, "video"
    ),
    "asf": _AVFamily(
        "asf",
        _Format("video/x-ms-asf", "wmv", gettext_noop("a Windows Media video")),
        _Format("audio/x-ms-wma", "wma", gettext_noop("a Windows Media audio file")),
        "video",
    ),
}

# Which family a demuxer FFmpeg picked by itself belongs to (the first name of its list).
_FAMILY_BY_DEMUXER = {
    "mov": "mp4",
    "matroska": "mkv",
    "ogg": "ogg",
    "mp3": "mp3",
    "wav": "wav",
    "flac": "flac",
    "aac": "aac",
    "aiff": "aiff",
    "avi": "avi",
    "mpegts": "mpegts",
    "mpeg": "mpegps",
    "flv": "flv",
    "asf": "asf",
}

# FFmpeg may only use these demuxers and only read local files: playlists (HLS, concat) and
# external references inside a file would otherwise make it fetch URLs or read other local files.
_AV_CONTAINER_OPTIONS = {
    "format_whitelist": ",".join(sorted({family.demuxer for family in _AV_FAMILIES.values()})),
    "protocol_whitelist": "file",
}

# What a file name's extension promises. Unknown extensions promise nothing and are not checked.
_EXTENSION_KINDS = {
    **dict.fromkeys(
        "jpg jpeg jpe jfif png apng gif webp tif tiff heic heif hif avif svg svgz bmp".split(), {"image"}
    ),
    **dict.fromkeys("mov qt mkv avi wmv asf flv mpg mpeg m2ts mts ts m4v ogv".split(), {"video"}),
    # Containers people routinely use for either.
    **dict.fromkeys("mp4 webm ogg 3gp 3g2".split(), {"video", "audio"}),
    **dict.fromkeys(
        "mp3 mp2 m4a m4b aac wav wave oga opus flac aif aiff aifc wma mka amr".split(), {"audio"}
    ),
}

_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"}
_AVIF_BRANDS = {b"avif", b"avis"}
_HEIF_GENERIC_BRANDS = {b"mif1", b"msf1"}
_AUDIO_MP4_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_MP4_BRANDS = {
    *(b"iso" + bytes([digit]) for digit in b"m23456789"),
    b"mp41",
    b"mp42",
    b"mp71",
    b"avc1",
    b"dash",
    b"mmp4",
    b"MSNV",
    b"NDAS",
    b"M4V ",
    b"M4VH",
    b"M4VP",
    b"F4V ",
    b"f4v ",
    b"XAVC",
    b"MQT ",
}
# QuickTime files older than the ftyp box start with one of these atoms.
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
_SVG_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]")


# --- Public functions ----------------------------------------------------------------------------


def sha256_file(path, chunk_size=1 << 20) -> str:
    """The hex SHA-256 of a file, read in chunks so multi-gigabyte videos do not fill memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def max_upload_bytes(kind: str) -> int:
    """The largest file of `kind` the archive takes: settings.ARCHIVE_MAX_UPLOAD_BYTES[kind] if
    configured, else 50 MB for images, 500 MB for audio, 4 GB for video."""
    if kind not in DEFAULT_MAX_UPLOAD_BYTES:
        raise ValueError(f"Unknown media kind {kind!r}; expected one of {KINDS}.")
    configured = getattr(settings, "ARCHIVE_MAX_UPLOAD_BYTES", None) or {}
    return int(configured.get(kind, DEFAULT_MAX_UPLOAD_BYTES[kind]))


def inspect_file(path, *, original_name: str = "") -> FileFacts:
    """Say what the file at `path` really is, or raise RejectedFile with the reason.

    The cheap checks (size, type, name) come before the ones that decode the content.
    """
    size = os.stat(path).st_size
    if size == 0:
        raise RejectedFile(_("The file is empty."), "empty")

    kind, fmt, check = _identify(path)

    limit = max_upload_bytes(kind)
    if size > limit:
        raise RejectedFile(_too_large_message(kind, size, limit), "too_large")

    _check_extension(original_name, kind, fmt)
    check()
    return FileFacts(
        kind=kind, mime_type=fmt.mime_type, extension=fmt.extension, size=size, sha256=sha256_file(path)
    )


# --- Identifying the type ------------------------------------------------------------------------


def _identify(path):
    """Return (kind, format, deep check) for the file, or raise 'unknown_type'.

    The deep check is returned rather than run so that the size and name are judged first.
    """
    sniffed = _sniff(path)
    if isinstance(sniffed, _Format):
        if sniffed.pillow_format is None:
            return "image", sniffed, functools.partial(_check_svg, path)
        return "image", sniffed, functools.partial(_check_image, path, sniffed)

    if sniffed is None:
        # Last resort: FFmpeg knows many more containers than the table above.
        found = _probe_streams(path, None)
        if found is None:
            raise RejectedFile(_unknown_type_message(), "unknown_type")
        family, has_video, has_audio = found
        if not (has_video and family.video) and not (has_audio and family.audio):
            raise RejectedFile(_unknown_type_message(), "unknown_type")
    else:
        family = sniffed
        found = _probe_streams(path, family)
        has_video, has_audio = (found[1], found[2]) if found else (False, False)

    kind = _media_kind(family, has_video, has_audio)
    fmt = family.video if kind == "video" else family.audio
    if fmt is None:
        # A video-only container without pictures (or the reverse): nothing the archive can play.
        fmt = family.video or family.audio
        kind = "video" if fmt is family.video else "audio"
    return kind, fmt, functools.partial(_check_media, path, family, kind)


def _media_kind(family, has_video, has_audio):
    """A real picture track makes a video; sound alone makes audio; otherwise trust the container."""
    if has_video and family.video:
        return "video"
    if has_audio and family.audio:
        return "audio"
    return family.likely_kind


def _sniff(path):
    """Recognise the file from its first bytes: an image _Format, an _AVFamily or None."""
    with open(path, "rb") as file:
        head = file.read(_HEAD_BYTES)
        tag_end = _id3_end(head)
        if tag_end is not None:
            # ID3 tags sit in front of MP3s, but also of some AAC and FLAC files.
            file.seek(tag_end)
            after = _sniff_head(file.read(64))
            return after if after in (_AV_FAMILIES["aac"], _AV_FAMILIES["flac"]) else _AV_FAMILIES["mp3"]
    return _sniff_head(head)


def _sniff_head(head: bytes):
    """One flat table of magic numbers, most specific first."""
    if head.startswith(b"\xff\xd8\xff"):
        return _IMAGES["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _IMAGES["png"]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return _IMAGES["gif"]
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return _IMAGES["tiff"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _IMAGES["webp"]
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return _AV_FAMILIES["wav"]
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return _AV_FAMILIES["avi"]
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return _AV_FAMILIES["aiff"]
    if head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    if head[4:8] in _QUICKTIME_ATOMS and int.from_bytes(head[:4], "big") >= 8:
        return _AV_FAMILIES["mov"]
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # The EBML header's DocType says "webm" or "matroska" within its first few dozen bytes.
        return _AV_FAMILIES["webm"] if b"webm" in head[:64] else _AV_FAMILIES["mkv"]
    if head.startswith(b"OggS"):
        return _AV_FAMILIES["ogg"]
    if head.startswith(b"fLaC"):
        return _AV_FAMILIES["flac"]
    if head.startswith(b"FLV\x01"):
        return _AV_FAMILIES["flv"]
    if head.startswith(_ASF_GUID):
        return _AV_FAMILIES["asf"]
    if head.startswith(b"\x00\x00\x01\xba"):
        return _AV_FAMILIES["mpegps"]
    if _is_transport_stream(head):
        return _AV_FAMILIES["mpegts"]
    if _is_adts(head):
        return _AV_FAMILIES["aac"]
    if _is_mpeg_audio(head):
        return _AV_FAMILIES["mp3"]
    if _looks_like_svg(head):
        return _IMAGES["svg"]
    return None


def _sniff_ftyp(head: bytes):
    """ISO base media files (MP4, MOV, M4A, HEIC, AVIF) name their flavour in the ftyp box's brands."""
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    end = min(box_size, len(head))
    brands = {major} | {head[offset : offset + 4] for offset in range(16, end - 3, 4)}
    if major in _AVIF_BRANDS or (major in _HEIF_GENERIC_BRANDS and brands & _AVIF_BRANDS):
        return _IMAGES["avif"]
    if major in _HEIC_BRANDS or (major in _HEIF_GENERIC_BRANDS and brands & _HEIC_BRANDS):
        return _IMAGES["heic"]
    if major in _HEIF_GENERIC_BRANDS:
        return _IMAGES["heif"]
    if major == b"qt  ":
        return _AV_FAMILIES["mov"]
    if major in _AUDIO_MP4_BRANDS:
        return _AV_FAMILIES["m4a"]
    if major in _MP4_BRANDS or major[:3] in (b"3gp", b"3g2"):
        return _AV_FAMILIES["mp4"]
    return None  # Camera raw (CR3) and other ISO files: left to FFmpeg's own probe.


def _id3_end(head: bytes) -> int | None:
    """Offset just past an ID3v2 tag at the start, or None if there is none."""
    if len(head) < 10 or not head.startswith(b"ID3") or head[3] == 0xFF or any(b & 0x80 for b in head[6:10]):
        return None
    size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


def _is_transport_stream(head: bytes) -> bool:
    """MPEG-TS repeats a 0x47 sync byte every 188 bytes; camcorder .mts files every 192."""
    for start, step in ((0, 188), (4, 192)):
        if len(head) > start + 2 * step and all(head[start + i * step] == 0x47 for i in range(3)):
            return True
    return False


def _is_adts(head: bytes) -> bool:
    """An AAC ADTS frame: 12 sync bits, layer 0 and a valid sampling-rate index."""
    return len(head) >= 7 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0 and (head[2] >> 2) & 0x0F < 13


def _is_mpeg_audio(head: bytes) -> bool:
    """An MPEG audio frame header without an ID3 tag in front; checks the fields that rule out noise."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0x03, (head[1] >> 1) & 0x03
    bitrate, sample_rate = head[2] >> 4, (head[2] >> 2) & 0x03
    return version != 1 and layer != 0 and bitrate not in (0, 15) and sample_rate != 3


def _looks_like_svg(head: bytes) -> bool:
    """XML text with an <svg> element near the start; the full parse later confirms the root."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<") and _SVG_ROOT.search(text) is not None


# --- Audio and video ------------------------------------------------------------------------------


def _open_av(path, demuxer):
    return av.open(
        os.fspath(path), format=demuxer, container_options=_AV_CONTAINER_OPTIONS, metadata_errors="ignore"
    )


def _is_real_video(stream) -> bool:
    """Cover art in MP3/M4A files shows up as a one-frame video stream marked as an attached picture."""
    return not stream.disposition & av.stream.Disposition.attached_pic


def _probe_streams(path, family):
    """Open the container (with `family`'s demuxer, or any allowed one if None) and list its streams.

    Returns (family, has real video, has audio), or None when FFmpeg cannot open it.
    """
    try:
        with _open_av(path, family.demuxer if family else None) as container:
            if family is None:
                family_key = _FAMILY_BY_DEMUXER.get(container.format.name.split(",")[0])
                if family_key is None:
                    return None
                family = _AV_FAMILIES[family_key]
            has_video = any(_is_real_video(stream) for stream in container.streams.video)
            has_audio = bool(container.streams.audio)
    except (av.FFmpegError, OSError, ValueError, EOFError):
        return None
    return family, has_video, has_audio


def _check_media(path, family, kind):
    """The archive must be able to play the file: decode one frame of its video or sound.

    An MP4 whose index comes first ("fast start") plays its first frames even when the upload was
    cut off, so for MP4/MOV the top-level boxes must also reach exactly to the end of the file.
    """
    if family.demuxer == "mov" and not _iso_boxes_complete(path):
        raise RejectedFile(_corrupt_message(kind), "corrupt")
    if not _decodes_a_frame(path, family, kind):
        raise RejectedFile(_corrupt_message(kind), "corrupt")


def _iso_boxes_complete(path) -> bool:
    """Walk the top-level boxes of an ISO base media file; False if one claims to go past the end."""
    file_size = os.stat(path).st_size
    offset = 0
    with open(path, "rb") as file:
        while offset < file_size:
            file.seek(offset)
            header = file.read(16)
            if len(header) < 8:
                return True  # a few bytes of padding after the last box, not a cut-off box
            size = int.from_bytes(header[:4], "big")
            if size == 1:  # 64-bit size follows the type
                if len(header) < 16:
                    return False
                size = int.from_bytes(header[8:16], "big")
            elif size == 0:  # the last box runs to the end of the file
                return True
            if size < 8 or offset + size > file_size:
                return False
            offset += size
    return True


def _decodes_a_frame(path, family, kind) -> bool:
    try:
        with _open_av(path, family.demuxer) as container:
            if kind == "video":
                streams = [stream for stream in container.streams.video if _is_real_video(stream)]
            else:
                streams = list(container.streams.audio)
            if not streams:
                return False
            # The demuxer ends with an empty packet that flushes the decoder's buffered frames.
            for count, packet in enumerate(container.demux(streams[0]), start=1):
                if packet.decode():
                    return True
                if count >= _MAX_PACKETS_TO_DECODE:
                    return False
    except (av.FFmpegError, OSError, ValueError, EOFError):
        return False
    return False


# --- Images ---------------------------------------------------------------------------------------


@functools.cache
def _heif_support() -> bool:
    """HEIC photos from iPhones need the optional pillow-heif plugin; without it they are refused."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


def _max_image_pixels() -> int:
    return int(getattr(settings, "ARCHIVE_MAX_IMAGE_PIXELS", None) or DEFAULT_MAX_IMAGE_PIXELS)


def _check_image(path, fmt: _Format):
    """Open the photo with the decoder its magic number names, under Pillow's decompression-bomb
    guard, then decode every pixel: verify() alone misses truncated JPEGs."""
    if fmt.pillow_format == "HEIF" and not _heif_support():
        message = _(
            "HEIC photos cannot be checked on this server. Export the photo as JPEG and upload it again."
        )
        raise RejectedFile(message, "unknown_type")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[fmt.pillow_format]) as image:
                width, height = image.size
                too_many_pixels = width * height > _max_image_pixels()
                if not too_many_pixels:
                    image.verify()
            if not too_many_pixels:
                with Image.open(path, formats=[fmt.pillow_format]) as image:
                    image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise RejectedFile(_image_bomb_message(), "image_bomb") from error
    except Exception as error:  # Pillow raises many types on hostile input; all mean "unreadable".
        raise RejectedFile(_corrupt_message("image"), "corrupt") from error
    if too_many_pixels:
        raise RejectedFile(_image_bomb_message(width, height), "image_bomb")


# --- SVG ------------------------------------------------------------------------------------------

_SVG_NAMESPACE_DTD_PREFIXES = ("http://www.w3.org/graphics/svg/", "https://www.w3.org/graphics/svg/")
_ACTIVE_ELEMENTS = set(
    "script foreignobject iframe embed object frame frameset applet handler listener".split()
)
_ANIMATION_ELEMENTS = {"set", "animate"}
_UNSAFE_URL_PREFIXES = (
    "javascript:",
    "vbscript:",
    "data:text/html",
    "data:application/xhtml",
    "data:text/xml",
    "data:application/xml",
    "data:image/svg+xml",
)


class _NotSVG(Exception):
    """Raised by the parser when the document declares a root other than <svg>."""


class _SVGParser(DefusedXMLParser):
    """defusedxml with entities and external references forbidden, which also refuses any DTD
    except the plain public SVG one editors write (no internal subset, so no entities)."""

    def __init__(self):
        super().__init__(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        self.parser.ProcessingInstructionHandler = self._processing_instruction

    def defused_start_doctype_decl(self, name, sysid, pubid, has_internal_subset):
        if name.rpartition(":")[2].lower() != "svg":
            raise _NotSVG(name)
        standard = not sysid or sysid.lower().startswith(_SVG_NAMESPACE_DTD_PREFIXES)
        if has_internal_subset or not standard:
            raise DTDForbidden(name, sysid, pubid)

    def _processing_instruction(self, target, data):
        # An XSLT style sheet can turn the SVG into an HTML page with scripts when opened directly.
        if target.lower() == "xml-stylesheet":
            raise _UnsafeSVG(
                _("The SVG file links a style sheet, which the archive does not allow for safety.")
            )


class _UnsafeSVG(Exception):
    pass


def _check_svg(path):
    """Parse the SVG safely and refuse anything that could run code when a browser opens it."""
    parser = _SVGParser()
    try:
        with open(path, "rb") as file:
            while chunk := file.read(1 << 16):
                parser.feed(chunk)
        root = parser.close()
    except _NotSVG as error:
        raise RejectedFile(_unknown_type_message(), "unknown_type") from error
    except _UnsafeSVG as error:
        raise RejectedFile(str(error), "unsafe_svg") from error
    except DefusedXmlException as error:
        message = _("The SVG file declares a DTD or entities, which the archive does not allow for safety.")
        raise RejectedFile(message, "unsafe_svg") from error
    except ParseError as error:
        raise RejectedFile(_("The SVG file is not valid XML and cannot be read."), "corrupt") from error

    if _local_name(root.tag) != "svg":
        raise RejectedFile(_unknown_type_message(), "unknown_type")
    problem = _svg_problem(root)
    if problem:
        raise RejectedFile(problem, "unsafe_svg")


def _svg_problem(root) -> str | None:
    """The first active content found in the SVG, as a message for the user, or None."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = _local_name(element.tag)
        if name.lower() in _ACTIVE_ELEMENTS:
            return _(
                "The SVG file contains a <%(element)s> element, which could run code in the browser. "
                "It cannot be added to the archive."
            ) % {"element": name}
        links = []
        for attribute, value in element.attrib.items():
            attribute_name = _local_name(attribute).lower()
            if attribute_name.startswith("on"):
                return _(
                    "The SVG file contains the event attribute “%(attribute)s”, which could run code in the "
                    "browser. It cannot be added to the archive."
                ) % {"attribute": _local_name(attribute)}
            if attribute_name == "href":
                links.append(value)
        if name.lower() in _ANIMATION_ELEMENTS and _local_name(element.get("attributeName", "")) == "href":
            # <set attributeName="href" to="javascript:…"> swaps a link in after the checks above.
            links += [element.get("to", ""), element.get("from", ""), *element.get("values", "").split(";")]
        for link in links:
            scheme = _unsafe_url_prefix(link)
            if scheme:
                return _(
                    "The SVG file contains a “%(scheme)s” link, which could run code in the browser. "
                    "It cannot be added to the archive."
                ) % {"scheme": scheme}
    return None


def _unsafe_url_prefix(value: str) -> str | None:
    # Browsers ignore whitespace and control characters inside a URL scheme ("java\tscript:").
    compact = re.sub(r"[\x00-\x20]+", "", value).lower()
    for prefix in _UNSAFE_URL_PREFIXES:
        if compact.startswith(prefix):
            return prefix
    return None


def _local_name(tag: str) -> str:
    """'{namespace}name' or 'prefix:name' -> 'name'."""
    return tag.rpartition("}")[2].rpartition(":")[2]


# --- Messages -------------------------------------------------------------------------------------


def _unknown_type_message() -> str:
    return _(
        "This type of file is not supported. The archive accepts photos (JPEG, PNG, WebP, GIF, TIFF, HEIC, "
        "AVIF, SVG), video (MP4, MOV, WebM, MKV) and audio (MP3, M4A, WAV, OGG, FLAC, AAC)."
    )


def _corrupt_message(kind: str) -> str:
    if kind == "image":
        return _("The image is damaged or incomplete and cannot be opened.")
    if kind == "video":
        return _("The video is damaged or incomplete and cannot be played.")
    return _("The audio file is damaged or incomplete and cannot be played.")


def _too_large_message(kind: str, size: int, limit: int) -> str:
    values = {"size": _megabytes(size), "limit": _megabytes(limit)}
    if kind == "image":
        return _("The image is %(size)s MB; images can be at most %(limit)s MB.") % values
    if kind == "video":
        return _("The video is %(size)s MB; videos can be at most %(limit)s MB.") % values
    return _("The audio file is %(size)s MB; audio files can be at most %(limit)s MB.") % values


def _image_bomb_message(width=None, height=None) -> str:
    limits = [_max_image_pixels()]
    if Image.MAX_IMAGE_PIXELS:
        limits.append(int(Image.MAX_IMAGE_PIXELS))
    megapixels = _number(min(limits) / 1_000_000)
    if width is None:
        return _(
            "The image has too many pixels to be processed safely; the archive accepts at most "
            "%(megapixels)s megapixels."
        ) % {"megapixels": megapixels}
    return _(
        "The image is %(width)s × %(height)s pixels; the archive accepts at most %(megapixels)s megapixels."
    ) % {"width": width, "height": height, "megapixels": megapixels}


def _megabytes(size: int) -> str:
    return _number(size / MB)


def _number(value: float) -> str:
    """Whole numbers without decimals, small ones with two, in the active language's format."""
    if value == int(value):
        decimals = 0
    elif value < 1:
        decimals = 2
    else:
        decimals = 1
    return number_format(round(value, decimals), decimal_pos=decimals)


def _check_extension(original_name: str, kind: str, fmt: _Format):
    """Refuse a name that promises another kind of media (a JPEG called clip.mp4): the uploader
    probably picked the wrong file. Another format of the same kind is fine; FileFacts says which."""
    extension = os.path.splitext(original_name.strip())[1].lstrip(".").lower()
    expected = _EXTENSION_KINDS.get(extension)
    if expected is None or kind in expected:
        return
    message = _("The file is named .%(extension)s but contains %(content)s.") % {
        "extension": extension,
        "content": _(fmt.description),
    }
    raise RejectedFile(message, "wrong_extension")


# --- Photo metadata -------------------------------------------------------------------------------

_TEXT_FIELDS = ("title", "caption", "credit", "creator", "copyright")
_LOCATION_FIELDS = ("sublocation", "city", "state", "country")
# Descriptions cameras write by themselves; they are not captions.
_CAMERA_DEFAULT_TEXT = {
    "olympus digital camera",
    "sony dsc",
    "digital camera",
    "minolta digital camera",
    "kodak digital still camera",
    "default",
    "dcim",
    "camera",
}

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_DC = "{http://purl.org/dc/elements/1.1/}"
_PHOTOSHOP = "{http://ns.adobe.com/photoshop/1.0/}"
_IPTC_CORE = "{http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/}"
_XMP_EXIF = "{http://ns.adobe.com/exif/1.0/}"


def photo_metadata(path) -> PhotoMetadata:
    """What the photographer stored in the photo: XMP wins over IPTC, IPTC over EXIF, field by field.

    Never raises: metadata is often half-broken, and a photo without readable metadata is still a photo.
    """
    _heif_support()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                xmp, iptc, exif = (
                    _read_safely(reader, image) for reader in (_xmp_fields, _iptc_fields, _exif_fields)
                )
    except Exception:  # Not an image Pillow can open: no metadata.
        return PhotoMetadata()
    return _merge_metadata(xmp, iptc, exif)


def _read_safely(reader, image) -> dict:
    try:
        return reader(image)
    except Exception:  # One broken block must not hide the others.
        return {}


def _merge_metadata(xmp: dict, iptc: dict, exif: dict) -> PhotoMetadata:
    """Take each field from the first source, in order of precedence, that has it."""

    def first(field, sources=(xmp, iptc, exif)):
        return next((source[field] for source in sources if source.get(field)), None)

    texts = {field: first(field) or "" for field in _TEXT_FIELDS}
    location_parts = []
    for field in _LOCATION_FIELDS:
        part = first(field)
        if part and part.casefold() not in (seen.casefold() for seen in location_parts):
            location_parts.append(part)
    latitude, longitude = first("latitude"), first("longitude")
    if latitude == 0 and longitude == 0:
        latitude = longitude = None  # Phones without a fix write 0,0: not a place.
    # Dates: the camera's own clock (EXIF, with seconds and offset) is the most precise, then XMP, then IPTC.
    captured_at = first("captured_at", (exif, xmp, iptc))
    return PhotoMetadata(
        **texts,
        captured_at=captured_at,
        latitude=latitude,
        longitude=longitude,
        location=", ".join(location_parts),
        keywords=_unique(first("keywords") or ()),
    )


def _clean(value) -> str:
    """Readable text: NFC (macOS writes decomposed Vietnamese), no control characters, trimmed."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = _decode(value)
    text = unicodedata.normalize("NFC", str(value))
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]+", " ", text)
    return text.strip()


def _decode(raw: bytes, utf8_declared: bool = False) -> str:
    if utf8_declared:
        return raw.decode("utf-8", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _unique(values) -> tuple[str, ...]:
    seen, result = set(), []
    for value in values:
        text = _clean(value)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            result.append(text)
    return tuple(result)


def _parse_offset(value) -> tzinfo | None:
    """'+07:00', '+0700' or 'Z' as a fixed offset."""
    match = re.fullmatch(r"\s*(?:(Z)|([+-])(\d{2}):?(\d{2}))\s*", _clean(value))
    if not match:
        return None
    if match.group(1):
        return UTC
    minutes = int(match.group(3)) * 60 + int(match.group(4))
    if minutes >= 24 * 60:
        return None
    return dt_timezone(timedelta(minutes=-minutes if match.group(2) == "-" else minutes))


def _aware(parts, zone: tzinfo | None) -> datetime | None:
    """A datetime from numeric parts, in `zone` or else the site's TIME_ZONE; None if impossible."""
    try:
        naive = datetime(*(int(part) for part in parts if part is not None))
    except (TypeError, ValueError, OverflowError):
        return None
    if naive.year < 1800:
        return None  # "0000:00:00" and similar placeholders.
    return naive.replace(tzinfo=zone or timezone.get_default_timezone())


# EXIF -----


def _exif_fields(image) -> dict:
    exif = image.getexif()
    exif_ifd = exif.get_ifd(0x8769)
    gps = exif.get_ifd(0x8825)
    captured_at = _exif_datetime(exif_ifd.get(0x9003), exif_ifd.get(0x9011)) or _exif_datetime(
        exif_ifd.get(0x9004), exif_ifd.get(0x9012)
    )
    return {
        "title": _windows_text(exif.get(0x9C9B)),
        "caption": _exif_text(exif.get(0x010E)),
        "creator": _exif_text(exif.get(0x013B)) or _windows_text(exif.get(0x9C9D)),
        "copyright": _exif_text(exif.get(0x8298)),
        "keywords": _unique(_windows_text(exif.get(0x9C9E)).split(";")),
        "captured_at": captured_at,
        "latitude": _gps_degrees(gps.get(2), gps.get(1), 90),
        "longitude": _gps_degrees(gps.get(4), gps.get(3), 180),
    }


def _exif_text(value) -> str:
    """EXIF ASCII tags often hold UTF-8 (exiftool, Photoshop); Pillow decodes them as Latin-1."""
    if isinstance(value, str):
        try:
            value = value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    text = _clean(value)
    return "" if text.casefold() in _CAMERA_DEFAULT_TEXT else text


def _windows_text(value) -> str:
    """Windows' XP* tags are UTF-16LE byte arrays."""
    if isinstance(value, tuple):
        value = bytes(value)
    if not isinstance(value, bytes):
        return ""
    return _clean(value.decode("utf-16-le", "replace").rstrip("\x00"))


def _exif_datetime(value, offset) -> datetime | None:
    match = re.match(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?", _clean(value))
    if not match:
        return None
    return _aware(match.groups(), _parse_offset(offset))


def _gps_degrees(value, reference, bound) -> float | None:
    """EXIF GPS degrees/minutes/seconds rationals and an N/S/E/W reference as signed degrees."""
    try:
        parts = [float(part) for part in value] if isinstance(value, tuple | list) else [float(value)]
        degrees = sum(part / 60**index for index, part in enumerate(parts[:3]))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not math.isfinite(degrees) or abs(degrees) > bound:
        return None
    if _clean(reference).upper()[:1] in ("S", "W"):
        degrees = -abs(degrees)
    return round(degrees, 7)


# IPTC -----


def _iptc_fields(image) -> dict:
    info = IptcImagePlugin.getiptcinfo(image) or {}
    utf8_declared = b"\x1b%G" in b"".join(_iptc_values(info, (1, 90)))

    def texts(dataset):
        return [text for raw in _iptc_values(info, dataset) if (text := _clean(_decode(raw, utf8_declared)))]

    def text(dataset):
        return ", ".join(texts(dataset)) if dataset == (2, 80) else next(iter(texts(dataset)), "")

    date, time = text((2, 55)), text((2, 60))
    return {
        "title": text((2, 5)),
        "caption": text((2, 120)),
        "credit": text((2, 110)),
        "creator": text((2, 80)),
        "copyright": text((2, 116)),
        "keywords": _unique(texts((2, 25))),
        "city": text((2, 90)),
        "sublocation": text((2, 92)),
        "state": text((2, 95)),
        "country": text((2, 101)),
        "captured_at": _iptc_datetime(date, time),
    }


def _iptc_values(info, dataset) -> list[bytes]:
    value = info.get(dataset)
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, bytes)]


def _iptc_datetime(date: str, time: str) -> datetime | None:
    """IPTC date created 'CCYYMMDD' and time created 'HHMMSS±HHMM'."""
    date_match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", date)
    if not date_match:
        return None
    time_match = re.fullmatch(r"(\d{2})(\d{2})(\d{2})?([+-]\d{4})?", time)
    if not time_match:
        return _aware(date_match.groups(), None)
    hour, minute, second, offset = time_match.groups()
    return _aware((*date_match.groups(), hour, minute, second or 0), _parse_offset(offset))


# XMP -----


def _xmp_fields(image) -> dict:
    packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if not packet:
        return {}
    properties = _xmp_properties(packet)

    def first(name):
        return next((text for value in properties.get(name, ()) if (text := _clean(value))), "")

    captured_at = _xmp_datetime(first(f"{_PHOTOSHOP}DateCreated")) or _xmp_datetime(
        first(f"{_XMP_EXIF}DateTimeOriginal")
    )
    return {
        "title": first(f"{_DC}title"),
        "caption": first(f"{_DC}description"),
        "creator": ", ".join(_unique(properties.get(f"{_DC}creator", ()))),
        "copyright": first(f"{_DC}rights"),
        "keywords": _unique(properties.get(f"{_DC}subject", ())),
        "credit": first(f"{_PHOTOSHOP}Credit"),
        "city": first(f"{_PHOTOSHOP}City"),
        "state": first(f"{_PHOTOSHOP}State"),
        "country": first(f"{_PHOTOSHOP}Country"),
        "sublocation": first(f"{_IPTC_CORE}Location"),
        "captured_at": captured_at,
        "latitude": _xmp_gps(first(f"{_XMP_EXIF}GPSLatitude"), 90),
        "longitude": _xmp_gps(first(f"{_XMP_EXIF}GPSLongitude"), 180),
    }


def _xmp_properties(packet) -> dict[str, list[str]]:
    """The properties of the top-level rdf:Description elements, written as attributes or as
    child elements (with rdf:Alt/Seq/Bag lists), keyed by '{namespace}name'."""
    if isinstance(packet, str):
        packet = packet.encode("utf-8")
    root = parse_xml(packet.strip(b"\x00 \t\r\n"))
    rdf = root if root.tag == f"{{{_RDF}}}RDF" else root.find(f".//{{{_RDF}}}RDF")
    properties: dict[str, list[str]] = {}
    if rdf is None:
        return properties
    for description in rdf.findall(f"{{{_RDF}}}Description"):
        for name, value in description.attrib.items():
            if not name.startswith(f"{{{_RDF}}}"):
                properties.setdefault(name, []).append(value)
        for child in description:
            properties.setdefault(child.tag, []).extend(_xmp_values(child))
    return properties


def _xmp_values(element) -> list[str]:
    """An rdf:Alt gives its x-default (or Vietnamese) text first; Seq and Bag keep their order."""
    for container in element:
        if container.tag in (f"{{{_RDF}}}Alt", f"{{{_RDF}}}Seq", f"{{{_RDF}}}Bag"):
            items = container.findall(f"{{{_RDF}}}li")
            if container.tag == f"{{{_RDF}}}Alt":
                preference = {"x-default": 0, "vi": 1, "vi-vn": 1, "en": 2}
                items.sort(key=lambda item: preference.get(item.get(_XML_LANG, "").lower(), 3))
            return [item.text for item in items if item.text]
    return [element.text] if element.text and not len(element) else []


def _xmp_datetime(value: str) -> datetime | None:
    """ISO 8601 as XMP writes it: '2026-04-18T08:30:00+07:00', '2026-04-18T08:30', '2026-04-18'."""
    match = re.fullmatch(
        r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?", value
    )
    if not match:
        return None
    *parts, offset = match.groups()
    return _aware([part or 0 for part in parts], _parse_offset(offset) if offset else None)


def _xmp_gps(value: str, bound) -> float | None:
    """XMP writes GPS as 'DDD,MM.mmmmN' or 'DDD,MM,SSN'."""
    match = re.fullmatch(r"(\d+),(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?([NSEW])", value.upper())
    if not match:
        return None
    degrees, minutes, seconds, reference = match.groups()
    return _gps_degrees((degrees, minutes, seconds or 0), reference, bound)
