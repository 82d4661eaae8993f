"""Pictures and sound for the demo, made on the spot: nothing is downloaded."""

import io
import math
import random
import struct
import wave
from functools import cache

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont, ImageOps

from ..search import fold

PICTURE_SIZE = (1200, 750)
PORTRAIT_SIZE = (400, 400)
# Deep, print-like colours: ink blue, lacquer red, rice green, turmeric, lotus pink, river teal.
PALETTE = [
    ((18, 52, 99), (90, 160, 210)),
    ((120, 20, 24), (230, 120, 60)),
    ((24, 78, 40), (170, 200, 90)),
    ((110, 70, 0), (245, 190, 60)),
    ((90, 30, 80), (235, 150, 190)),
    ((0, 70, 80), (110, 200, 190)),
]
_FONT_FILES = ["DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "NotoSans-Bold.ttf"]


@cache
def _font(size: int) -> tuple[ImageFont.ImageFont | ImageFont.FreeTypeFont, bool]:
    """A bold font and whether it has Vietnamese letters (Pillow's built-in font does not)."""
    for name in _FONT_FILES:
        try:
            return ImageFont.truetype(name, size), True
        except OSError:
            continue
    return ImageFont.load_default(size), False


def _text(draw: ImageDraw.ImageDraw, xy, text: str, size: int, fill) -> None:
    font, vietnamese = _font(size)
    draw.text(xy, text if vietnamese else fold(text).upper(), font=font, fill=fill)


def _jpeg(image: Image.Image, name: str) -> ContentFile:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, optimize=True)
    return ContentFile(buffer.getvalue(), name=name)


def picture(*, seed: int, subject: str, label: str, name: str) -> ContentFile:
    """A landscape JPEG: a gradient with a few shapes, the subject and the agency's name on it."""
    rng = random.Random(seed)
    dark, light = PALETTE[seed % len(PALETTE)]
    width, height = PICTURE_SIZE
    ramp = Image.linear_gradient("L").rotate(rng.choice([0, 45, 90, 135]), expand=True)
    ramp = ramp.resize(PICTURE_SIZE)
    image = ImageOps.colorize(ramp, dark, light)
    draw = ImageDraw.Draw(image, "RGBA")
    for _ in range(rng.randint(4, 8)):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randint(40, 260)
        shade = (*rng.choice([dark, light, (255, 255, 255)]), rng.randint(40, 110))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=shade)
    draw.rectangle((0, height - 150, width, height), fill=(0, 0, 0, 120))
    _text(draw, (48, height - 128), subject, 44, (255, 255, 255))
    _text(draw, (48, height - 60), label, 26, (230, 230, 230))
    return _jpeg(image, name)


def portrait(*, seed: int, name: str, filename: str) -> ContentFile:
    """A square avatar: a coloured disc with the person's initials."""
    dark, light = PALETTE[seed % len(PALETTE)]
    image = Image.new("RGB", PORTRAIT_SIZE, light)
    draw = ImageDraw.Draw(image)
    draw.ellipse((30, 30, 370, 370), fill=dark)
    words = name.split()
    initials = (words[0][0] + words[-1][0]).upper()
    font, vietnamese = _font(150)
    initials = initials if vietnamese else fold(initials).upper()
    box = draw.textbbox((0, 0), initials, font=font)
    position = ((400 - (box[2] - box[0])) / 2 - box[0], (400 - (box[3] - box[1])) / 2 - box[1])
    draw.text(position, initials, font=font, fill=(255, 255, 255))
    return _jpeg(image, filename)


def jingle(*, seed: int, seconds: float, name: str) -> ContentFile:
    """A short mono WAV: a few soft tones, the stand-in for a podcast episode."""
    rate = 8000
    notes = [262, 294, 330, 392, 440, 523]
    rng = random.Random(seed)
    frames = bytearray()
    per_note = int(rate * seconds / 6)
    for _ in range(6):
        pitch = rng.choice(notes)
        for i in range(per_note):
            fade = min(1.0, i / 400, (per_note - i) / 400)
            frames += struct.pack("<h", int(9000 * fade * math.sin(2 * math.pi * pitch * i / rate)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return ContentFile(buffer.getvalue(), name=name)


def video_clip(*, seed: int, seconds: float, name: str) -> ContentFile:
    """A short H.264/AAC clip from FFmpeg's test patterns: the stand-in for a reporter's footage."""
    import subprocess
    import tempfile
    from pathlib import Path

    from archive.media_processing import ffmpeg_binary

    pattern = ["testsrc2", "smptebars", "rgbtestsrc"][seed % 3]
    pitch = 220 + seed % 400
    with tempfile.TemporaryDirectory(prefix="demo-video-") as folder:
        out = Path(folder) / "clip.mp4"
        subprocess.run(
            [
                ffmpeg_binary(),
                "-hide_banner",
                "-nostdin",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"{pattern}=size=854x480:rate=25:duration={seconds}",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency={pitch}:duration={seconds}",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-b:a",
                "96k",
                "-shortest",
                str(out),
            ],  # fmt: skip
            check=True,
            capture_output=True,
            timeout=120,
        )
        return ContentFile(out.read_bytes(), name=name)
