"""Tests for archive.inspect: every input file is built here, by Pillow, by hand or by FFmpeg."""

import functools
import hashlib
import io
import random
import shutil
import struct
import subprocess
import unicodedata
import zlib
from datetime import timedelta

import imageio_ffmpeg
import pytest
from django.utils import translation
from PIL import Image, PngImagePlugin, features
from PIL.TiffImagePlugin import IFDRational

from archive.inspect import (
    MB,
    FileFacts,
    PhotoMetadata,
    RejectedFile,
    inspect_file,
    max_upload_bytes,
    photo_metadata,
    sha256_file,
)

CAPTION = "Lễ hội đền Hùng năm 2026"
CITY = "Hải Dương"


# --- Building inputs ------------------------------------------------------------------------------


def noise_image(size=(64, 48), seed=1):
    """Incompressible pixels, so encoded files have real scan data to truncate or to weigh."""
    width, height = size
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(width * height * 3))


def write(path, data):
    path.write_bytes(data)
    return path


def save(path, image=None, format=None, **options):
    (image or noise_image()).save(path, format, **options)
    return path


def jpeg_bytes(image=None, **options):
    buffer = io.BytesIO()
    (image or noise_image()).save(buffer, "JPEG", **options)
    return buffer.getvalue()


def with_segment(jpeg: bytes, marker: int, body: bytes) -> bytes:
    """Insert an APPn segment right after the JPEG's SOI marker."""
    return jpeg[:2] + struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body + jpeg[2:]


def iptc_dataset(record: int, number: int, value: str | bytes, encoding="utf-8") -> bytes:
    raw = value.encode(encoding) if isinstance(value, str) else value
    return struct.pack(">BBBH", 0x1C, record, number, len(raw)) + raw


def photoshop_iptc_segment(iim: bytes) -> bytes:
    """An APP13 'Photoshop 3.0' body holding one 8BIM 0x0404 (IPTC-NAA) resource."""
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + iim
    if len(iim) % 2:
        resource += b"\x00"
    return b"Photoshop 3.0\x00" + resource


def xmp_packet(description_attributes="", body="") -> bytes:
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    {description_attributes}>
   {body}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def rejected(path, **kwargs) -> RejectedFile:
    with pytest.raises(RejectedFile) as caught:
        inspect_file(path, **kwargs)
    assert caught.value.message
    assert str(caught.value) == caught.value.message
    return caught.value


# --- Audio and video samples, made once per module with FFmpeg ----------------------------------

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
TESTSRC = ["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=10:duration=1"]
SINE = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
SAMPLES = {
    # name: (encoders that must exist, ffmpeg arguments between the inputs and the output)
    "video.mp4": (["libx264", "aac"], [*TESTSRC, *SINE, *H264, "-c:a", "aac", "-shortest"]),
    "faststart.mp4": (["libx264"], [*TESTSRC, *H264, "-movflags", "+faststart"]),
    "video.mov": (["libx264"], [*TESTSRC, *H264]),
    "video.mkv": (["libx264"], [*TESTSRC, *H264]),
    "video.webm": (["libvpx"], [*TESTSRC, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8"]),
    "audio.m4a": (["aac"], [*SINE, "-c:a", "aac"]),
    "sound-only.mp4": (["aac"], [*SINE, "-c:a", "aac", "-f", "mp4"]),
    "audio.mp3": (["libmp3lame"], [*SINE, "-c:a", "libmp3lame"]),
    "audio.wav": (["pcm_s16le"], [*SINE]),
    "audio.ogg": (["libvorbis"], [*SINE, "-c:a", "libvorbis"]),
    "audio.opus": (["libopus"], [*SINE, "-c:a", "libopus", "-f", "ogg"]),
    "audio.flac": (["flac"], [*SINE]),
    "audio.aac": (["aac"], [*SINE, "-c:a", "aac", "-f", "adts"]),
}


@functools.cache
def ffmpeg_encoders() -> str:
    return subprocess.run([FFMPEG, "-hide_banner", "-encoders"], capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """media(name) -> path of a one-second sample, generated on first use; skips if the encoder is missing."""
    folder = tmp_path_factory.mktemp("media")

    @functools.cache
    def make(name):
        encoders, arguments = SAMPLES[name]
        missing = [encoder for encoder in encoders if f" {encoder} " not in ffmpeg_encoders()]
        if missing:
            pytest.skip(f"this FFmpeg build has no {', '.join(missing)} encoder")
        path = folder / name
        subprocess.run([FFMPEG, "-v", "error", "-y", *arguments, str(path)], check=True)
        return path

    return make


# --- Helpers --------------------------------------------------------------------------------------


def test_sha256_file_matches_hashlib(tmp_path):
    data = random.Random(7).randbytes(3 * 1024 + 5)
    path = write(tmp_path / "data.bin", data)
    assert sha256_file(path, chunk_size=1024) == hashlib.sha256(data).hexdigest()


def test_max_upload_bytes_defaults_and_settings(settings):
    assert max_upload_bytes("image") == 50 * MB
    assert max_upload_bytes("audio") == 500 * MB
    assert max_upload_bytes("video") == 4 * 1024 * MB
    settings.ARCHIVE_MAX_UPLOAD_BYTES = {"video": 123}
    assert max_upload_bytes("video") == 123
    assert max_upload_bytes("image") == 50 * MB
    with pytest.raises(ValueError):
        max_upload_bytes("document")


# --- Images ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "format, options, mime_type, extension",
    [
        ("JPEG", {}, "image/jpeg", "jpg"),
        ("PNG", {}, "image/png", "png"),
        ("WEBP", {}, "image/webp", "webp"),
        ("GIF", {}, "image/gif", "gif"),
        ("TIFF", {}, "image/tiff", "tif"),
    ],
)
def test_common_images_are_accepted(tmp_path, format, options, mime_type, extension):
    path = save(tmp_path / "upload", format=format, **options)
    facts = inspect_file(path, original_name=f"anh.{extension}")
    assert facts == FileFacts(
        kind="image",
        mime_type=mime_type,
        extension=extension,
        size=path.stat().st_size,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def test_avif_and_heic_are_accepted(tmp_path):
    if not features.check("avif"):
        pytest.skip("Pillow built without AVIF")
    facts = inspect_file(save(tmp_path / "photo.avif", format="AVIF"))
    assert (facts.kind, facts.mime_type, facts.extension) == ("image", "image/avif", "avif")

    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    facts = inspect_file(save(tmp_path / "photo.heic", format="HEIF"), original_name="IMG_0001.HEIC")
    assert (facts.kind, facts.mime_type, facts.extension) == ("image", "image/heic", "heic")


def test_png_named_jpg_is_accepted_with_the_right_extension(tmp_path):
    facts = inspect_file(save(tmp_path / "upload", format="PNG"), original_name="photo.jpg")
    assert (facts.mime_type, facts.extension) == ("image/png", "png")


def test_file_without_extension_is_judged_by_content(tmp_path):
    assert inspect_file(save(tmp_path / "upload", format="JPEG"), original_name="photo").extension == "jpg"


def test_jpeg_named_mp4_is_wrong_extension(tmp_path):
    path = save(tmp_path / "upload", format="JPEG")
    assert rejected(path, original_name="clip.mp4").code == "wrong_extension"
    with translation.override("en"):
        error = rejected(path, original_name="clip.MP4")
    assert error.code == "wrong_extension"
    assert ".mp4" in error.message
    assert "JPEG" in error.message


def test_empty_file(tmp_path):
    assert rejected(write(tmp_path / "empty.jpg", b"")).code == "empty"


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01" + random.Random(2026).randbytes(4096),
        "Ghi chú: đây không phải ảnh.\n".encode(),
        b"<!DOCTYPE html><html><body><svg></svg></body></html>",
        b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n",
    ],
    ids=["random-bytes", "text", "html-with-svg", "hls-playlist"],
)
def test_unrecognised_content_is_unknown_type(tmp_path, data):
    assert rejected(write(tmp_path / "upload.bin", data)).code == "unknown_type"


def test_truncated_jpeg_is_corrupt(tmp_path):
    data = jpeg_bytes(noise_image((256, 256)), quality=95)
    path = write(tmp_path / "cut.jpg", data[: len(data) // 2])
    assert rejected(path).code == "corrupt"


def test_png_with_broken_checksum_is_corrupt(tmp_path):
    data = bytearray(save(tmp_path / "ok.png", format="PNG").read_bytes())
    data[40] ^= 0xFF  # inside the first IDAT chunk
    assert rejected(write(tmp_path / "broken.png", bytes(data))).code == "corrupt"


def png_claiming_size(path, width, height):
    """A tiny real PNG whose IHDR is patched to claim another size (with a valid CRC)."""
    data = bytearray(save(path, Image.new("1", (8, 8)), "PNG").read_bytes())
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    path.write_bytes(bytes(data))
    return path


def test_png_claiming_40000_pixels_square_is_image_bomb(tmp_path):
    error = rejected(png_claiming_size(tmp_path / "bomb.png", 40000, 40000))
    assert error.code == "image_bomb"


@pytest.mark.parametrize("size", [(120, 100), (300, 300)], ids=["pillow-warning", "pillow-error"])
def test_decompression_bomb_is_refused(tmp_path, monkeypatch, size):
    """Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; both are refusals."""
    path = save(tmp_path / "big.png", Image.new("1", size), "PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    assert rejected(path).code == "image_bomb"


def test_archive_pixel_limit_from_settings(tmp_path, settings):
    settings.ARCHIVE_MAX_IMAGE_PIXELS = 1000
    with translation.override("en"):
        error = rejected(save(tmp_path / "photo.png", format="PNG"))
    assert error.code == "image_bomb"
    assert "64 × 48" in error.message


def test_too_large_for_its_kind(tmp_path, settings):
    settings.ARCHIVE_MAX_UPLOAD_BYTES = {"image": MB // 2}
    path = save(tmp_path / "photo.png", noise_image((512, 512)), "PNG", compress_level=1)
    assert path.stat().st_size > MB // 2
    with translation.override("en"):
        error = rejected(path)
    assert error.code == "too_large"
    assert "0.5" in error.message


# --- SVG ------------------------------------------------------------------------------------------

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10">'


@pytest.mark.parametrize(
    "svg",
    [
        f'{SVG_OPEN}<rect width="10" height="10" fill="red"/><a href="https://example.org"><text>hi</text></a></svg>',
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        f"<!-- Bản đồ {CITY} -->\n{SVG_OPEN}<title>{CITY}</title>"
        '<image xlink:href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/></svg>',
    ],
    ids=["plain", "editor-export"],
)
def test_clean_svg_is_accepted(tmp_path, svg):
    facts = inspect_file(write(tmp_path / "map.svg", svg.encode()), original_name="map.svg")
    assert (facts.kind, facts.mime_type, facts.extension) == ("image", "image/svg+xml", "svg")


@pytest.mark.parametrize(
    "svg",
    [
        f"{SVG_OPEN}<script>alert(1)</script></svg>",
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>',
        f'{SVG_OPEN}<a href="javascript:alert(1)"><text>x</text></a></svg>',
        f'{SVG_OPEN}<a xlink:href=" java&#x09;script:alert(1)"><text>x</text></a></svg>',
        f'{SVG_OPEN}<iframe src="https://example.org"/></svg>',
        f'{SVG_OPEN}<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">hi</p></foreignObject></svg>',
        f'{SVG_OPEN}<a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a></svg>',
        f'{SVG_OPEN}<use href="data:text/html;base64,PHNjcmlwdD4="/></svg>',
        '<!DOCTYPE svg [<!ENTITY lol "lol">]><svg xmlns="http://www.w3.org/2000/svg"><text>&lol;</text></svg>',
        '<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
        '<!DOCTYPE svg SYSTEM "http://attacker.example/evil.dtd"><svg xmlns="http://www.w3.org/2000/svg"/>',
        '<?xml-stylesheet type="text/xsl" href="https://attacker.example/x.xsl"?>'
        '<svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
    ids=[
        "script",
        "onload",
        "javascript-href",
        "obfuscated-xlink-href",
        "iframe",
        "foreign-object",
        "animated-href",
        "data-html",
        "dtd-entity",
        "external-entity",
        "external-dtd",
        "xslt",
    ],
)
def test_unsafe_svg_is_refused(tmp_path, svg):
    assert rejected(write(tmp_path / "logo.svg", svg.encode())).code == "unsafe_svg"


def test_malformed_svg_is_corrupt(tmp_path):
    path = write(tmp_path / "logo.svg", f"{SVG_OPEN}<rect></svg>".encode())
    assert rejected(path).code == "corrupt"


# --- Audio and video ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sample, kind, mime_type, extension",
    [
        ("video.mp4", "video", "video/mp4", "mp4"),
        ("faststart.mp4", "video", "video/mp4", "mp4"),
        ("video.mov", "video", "video/quicktime", "mov"),
        ("video.mkv", "video", "video/x-matroska", "mkv"),
        ("video.webm", "video", "video/webm", "webm"),
        ("audio.m4a", "audio", "audio/mp4", "m4a"),
        ("sound-only.mp4", "audio", "audio/mp4", "m4a"),
        ("audio.mp3", "audio", "audio/mpeg", "mp3"),
        ("audio.wav", "audio", "audio/wav", "wav"),
        ("audio.ogg", "audio", "audio/ogg", "ogg"),
        ("audio.opus", "audio", "audio/ogg", "ogg"),
        ("audio.flac", "audio", "audio/flac", "flac"),
        ("audio.aac", "audio", "audio/aac", "aac"),
    ],
)
def test_audio_and_video_are_accepted(media, sample, kind, mime_type, extension):
    path = media(sample)
    facts = inspect_file(path, original_name=sample)
    assert (facts.kind, facts.mime_type, facts.extension) == (kind, mime_type, extension)
    assert facts.size == path.stat().st_size


def test_mp3_with_cover_art_is_audio(media, tmp_path):
    cover = save(tmp_path / "cover.png", noise_image((32, 32)), "PNG")
    path = tmp_path / "song.mp3"
    command = [FFMPEG, "-v", "error", "-y", "-i", str(media("audio.mp3")), "-i", str(cover), "-map", "0:a"]
    command += [
        "-map",
        "1:v",
        "-c",
        "copy",
        "-disposition:v",
        "attached_pic",
        "-id3v2_version",
        "3",
        str(path),
    ]
    subprocess.run(command, check=True)
    facts = inspect_file(path, original_name="song.mp3")
    assert (facts.kind, facts.mime_type) == ("audio", "audio/mpeg")


def test_mp3_named_jpg_is_wrong_extension(media):
    with translation.override("en"):
        error = rejected(media("audio.mp3"), original_name="photo.jpg")
    assert error.code == "wrong_extension"
    assert ".jpg" in error.message
    assert "MP3" in error.message


@pytest.mark.parametrize("sample", ["video.mp4", "faststart.mp4"])
def test_truncated_mp4_is_corrupt(media, tmp_path, sample):
    """Cut in half: without its index at the end, or with the index first but the pictures missing."""
    data = media(sample).read_bytes()
    path = write(tmp_path / "cut.mp4", data[: len(data) // 2])
    assert rejected(path, original_name="cut.mp4").code == "corrupt"


def test_wav_header_without_sound_is_corrupt(media, tmp_path):
    path = tmp_path / "header-only.wav"
    shutil.copyfile(media("audio.wav"), path)
    with open(path, "r+b") as file:
        file.truncate(44)
    assert rejected(path).code == "corrupt"


# --- Photo metadata -------------------------------------------------------------------------------


def exif_jpeg(path, *, offset="+07:00", latitude_ref="N", longitude_ref="E"):
    exif = Image.Exif()
    # Non-ASCII text in EXIF is UTF-8 in practice (exiftool, Photoshop); Pillow writes bytes as they are.
    exif[0x010E] = CAPTION.encode()
    exif[0x013B] = "Nguyễn Văn An".encode()
    exif[0x8298] = "© Báo Hải Dương".encode()
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0x9003] = "2026:04:18 08:30:15"
    if offset:
        exif_ifd[0x9011] = offset
    gps = exif.get_ifd(0x8825)
    gps[1] = latitude_ref
    gps[2] = (IFDRational(20, 1), IFDRational(56, 1), IFDRational(3050, 100))
    gps[3] = longitude_ref
    gps[4] = (106.0, 19.0, 30.0)
    return save(path, format="JPEG", exif=exif)


def test_metadata_from_exif(tmp_path):
    meta = photo_metadata(exif_jpeg(tmp_path / "exif.jpg"))
    assert meta.caption == CAPTION
    assert meta.creator == "Nguyễn Văn An"
    assert meta.copyright == "© Báo Hải Dương"
    assert meta.captured_at.isoformat() == "2026-04-18T08:30:15+07:00"
    assert meta.latitude == pytest.approx(20 + 56 / 60 + 30.5 / 3600)
    assert meta.longitude == pytest.approx(106 + 19 / 60 + 30 / 3600)


def test_exif_south_west_and_time_zone_from_settings(tmp_path, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    meta = photo_metadata(exif_jpeg(tmp_path / "exif.jpg", offset=None, latitude_ref="S", longitude_ref="W"))
    assert meta.captured_at.utcoffset() == timedelta(hours=9)
    assert (meta.captured_at.hour, meta.captured_at.minute) == (8, 30)
    assert meta.latitude < 0 and meta.longitude < 0


def iptc_jpeg(path, iim: bytes):
    return write(path, with_segment(jpeg_bytes(), 0xED, photoshop_iptc_segment(iim)))


def test_metadata_from_iptc_in_utf8(tmp_path):
    iim = b"".join(
        [
            iptc_dataset(1, 90, b"\x1b%G"),
            iptc_dataset(2, 0, b"\x00\x04"),
            iptc_dataset(2, 5, "Giỗ Tổ Hùng Vương"),
            iptc_dataset(2, 120, CAPTION),
            iptc_dataset(2, 110, "TTXVN"),
            iptc_dataset(2, 80, "Nguyễn Văn An"),
            iptc_dataset(2, 80, "Trần Thị Bình"),
            iptc_dataset(2, 116, "Báo Hải Dương"),
            iptc_dataset(2, 25, "lễ hội"),
            iptc_dataset(2, 25, "Phú Thọ"),
            iptc_dataset(2, 92, "Quảng trường 30/10"),
            iptc_dataset(2, 90, CITY),
            iptc_dataset(2, 95, CITY),
            iptc_dataset(2, 101, "Việt Nam"),
            iptc_dataset(2, 55, "20260418"),
            iptc_dataset(2, 60, "083000+0700"),
        ]
    )
    path = iptc_jpeg(tmp_path / "iptc.jpg", iim)
    assert inspect_file(path).mime_type == "image/jpeg"
    meta = photo_metadata(path)
    assert meta.title == "Giỗ Tổ Hùng Vương"
    assert meta.caption == CAPTION
    assert meta.credit == "TTXVN"
    assert meta.creator == "Nguyễn Văn An, Trần Thị Bình"
    assert meta.copyright == "Báo Hải Dương"
    assert meta.keywords == ("lễ hội", "Phú Thọ")
    assert meta.location == f"Quảng trường 30/10, {CITY}, Việt Nam"
    assert meta.captured_at.isoformat() == "2026-04-18T08:30:00+07:00"


def test_iptc_without_coded_character_set_falls_back_to_latin1(tmp_path):
    iim = iptc_dataset(2, 120, "Café de la Paix", encoding="latin-1") + iptc_dataset(2, 90, CITY)
    meta = photo_metadata(iptc_jpeg(tmp_path / "iptc.jpg", iim))
    assert meta.caption == "Café de la Paix"
    assert meta.location == CITY


XMP_BODY = f"""
   <dc:title><rdf:Alt>
     <rdf:li xml:lang="en">Hung Kings Festival</rdf:li>
     <rdf:li xml:lang="x-default">Giỗ Tổ Hùng Vương</rdf:li>
   </rdf:Alt></dc:title>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{CAPTION}</rdf:li></rdf:Alt></dc:description>
   <dc:creator><rdf:Seq><rdf:li>Nguyễn Văn An</rdf:li><rdf:li>Trần Thị Bình</rdf:li></rdf:Seq></dc:creator>
   <dc:rights><rdf:Alt><rdf:li xml:lang="x-default">© Báo Hải Dương</rdf:li></rdf:Alt></dc:rights>
   <dc:subject><rdf:Bag><rdf:li>lễ hội</rdf:li><rdf:li>đền Hùng</rdf:li></rdf:Bag></dc:subject>
   <Iptc4xmpCore:Location>Đền Thượng</Iptc4xmpCore:Location>
"""
XMP_ATTRIBUTES = (
    'photoshop:Credit="TTXVN" photoshop:State="Phú Thọ" photoshop:Country="Việt Nam" '
    'photoshop:DateCreated="2026-04-18T08:30:00+07:00" '
    f'photoshop:City="{unicodedata.normalize("NFD", "Việt Trì")}"'  # as macOS apps write it
)


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP"])
def test_metadata_from_xmp(tmp_path, format):
    packet = xmp_packet(XMP_ATTRIBUTES, XMP_BODY)
    if format == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", packet.decode())
        path = save(tmp_path / "xmp.png", format="PNG", pnginfo=info)
    else:
        path = save(tmp_path / f"xmp.{format.lower()}", format=format, xmp=packet)
    meta = photo_metadata(path)
    assert meta == PhotoMetadata(
        title="Giỗ Tổ Hùng Vương",
        caption=CAPTION,
        credit="TTXVN",
        creator="Nguyễn Văn An, Trần Thị Bình",
        copyright="© Báo Hải Dương",
        captured_at=meta.captured_at,
        location="Đền Thượng, Việt Trì, Phú Thọ, Việt Nam",
        keywords=("lễ hội", "đền Hùng"),
    )
    assert meta.captured_at.isoformat() == "2026-04-18T08:30:00+07:00"


def test_xmp_wins_over_iptc_and_iptc_over_exif(tmp_path):
    exif = Image.Exif()
    exif[0x010E] = b"exif caption"
    exif[0x013B] = b"exif artist"
    exif[0x8298] = b"exif copyright"
    jpeg = jpeg_bytes(
        exif=exif,
        xmp=xmp_packet(
            body="<dc:description><rdf:Alt><rdf:li>xmp caption</rdf:li></rdf:Alt></dc:description>"
        ),
    )
    iim = (
        iptc_dataset(2, 120, "iptc caption")
        + iptc_dataset(2, 80, "iptc by-line")
        + iptc_dataset(2, 110, "iptc credit")
    )
    path = write(tmp_path / "all.jpg", with_segment(jpeg, 0xED, photoshop_iptc_segment(iim)))
    meta = photo_metadata(path)
    assert meta.caption == "xmp caption"
    assert meta.creator == "iptc by-line"
    assert meta.credit == "iptc credit"
    assert meta.copyright == "exif copyright"


def test_metadata_never_raises(tmp_path):
    assert photo_metadata(write(tmp_path / "notes.txt", b"not a photo")) == PhotoMetadata()
    assert photo_metadata(tmp_path / "missing.jpg") == PhotoMetadata()

    # Broken IPTC (not IIM at all) and broken XMP (not XML) next to good EXIF: the EXIF still counts.
    exif = Image.Exif()
    exif[0x010E] = CAPTION.encode()
    exif.get_ifd(0x8769)[0x9003] = "0000:00:00 00:00:00"
    exif.get_ifd(0x8825)[2] = (IFDRational(1, 0), IFDRational(0, 0), IFDRational(0, 0))
    jpeg = jpeg_bytes(exif=exif, xmp=b"<x:xmpmeta><unclosed")
    path = write(tmp_path / "odd.jpg", with_segment(jpeg, 0xED, photoshop_iptc_segment(b"\x07garbage-bytes")))
    meta = photo_metadata(path)
    assert meta.caption == CAPTION
    assert meta.captured_at is None
    assert meta.latitude is None
