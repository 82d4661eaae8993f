"""archive.media_processing against real FFmpeg: inputs are made with lavfi, outputs are probed back.

No database. Inputs are short and small (3 s, at most 720p) and made once per module, so the whole file
runs in seconds on two cores.
"""

import random
import re
import subprocess
from pathlib import Path

import pytest
from django.utils import translation
from PIL import Image

from archive import media_processing
from archive.media_processing import (
    DEFAULT_LADDER,
    MediaError,
    ffmpeg_binary,
    make_hls,
    make_poster,
    measure_loudness,
    normalise_audio,
    probe,
    transcode_mp4,
    waveform_peaks,
)

SECONDS = 3.0
TONE_LEVEL = 0.1  # Peak amplitude of the test tone: -20 dBFS, so a 1 kHz tone measures -23 LUFS.


def ffmpeg(*args) -> None:
    subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", *map(str, args)],
        check=True,
        capture_output=True,
    )


def clip(path: Path, size: str, *, audio: bool = True, seconds: float = SECONDS) -> Path:
    """An H.264 clip of `size` at 25 fps, with a 440 Hz AAC tone unless audio=False."""
    sound = ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"] if audio else []
    codecs = ["-c:a", "aac", "-shortest"] if audio else ["-an"]
    ffmpeg(
        *("-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}", *sound),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", *codecs, path),
    )
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """Every input file the tests read, keyed by what it is."""
    folder = tmp_path_factory.mktemp("media-inputs")
    files = {
        "720p": clip(folder / "le-hoi-720p.mp4", "1280x720"),
        "360p": clip(folder / "phong-su-360p.mp4", "640x360"),
        "mute": clip(folder / "khong-tieng.mp4", "320x180", audio=False),
    }
    files["rotated"] = folder / "dien-thoai-doc.mp4"  # A phone video: stored landscape, shown portrait.
    ffmpeg("-display_rotation", "90", "-i", files["360p"], "-c", "copy", files["rotated"])
    files["raw_h264"] = folder / "camera.h264"  # A bare stream: no container, no timestamps, no duration.
    ffmpeg("-i", files["360p"], "-map", "0:v", "-c", "copy", "-f", "h264", files["raw_h264"])
    files["anamorphic"] = folder / "pal-16x9.mpg"  # Broadcast 16:9: 720x576 stored, 1024x576 shown.
    ffmpeg(
        *("-f", "lavfi", "-i", f"testsrc2=size=720x576:rate=25:duration={SECONDS}"),
        *("-vf", "setsar=64/45", "-c:v", "mpeg2video", files["anamorphic"]),
    )
    files["tone"] = folder / "tone.wav"
    ffmpeg(
        *("-f", "lavfi", "-i", f"aevalsrc={TONE_LEVEL}*sin(2*PI*1000*t):s=48000:d={SECONDS}"),
        *("-c:a", "pcm_s16le", files["tone"]),
    )
    files["tone_then_silence"] = folder / "tone-then-silence.wav"
    ffmpeg(
        "-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*440*t)*lt(t\\,1):s=8000:d=2", files["tone_then_silence"]
    )
    files["silence"] = folder / "silence.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "2", files["silence"])
    files["mp3"] = folder / "ban-tin.mp3"  # With cover art, which is a video stream that must not count.
    ffmpeg(
        *("-f", "lavfi", "-i", f"sine=frequency=440:duration={SECONDS}"),
        *("-f", "lavfi", "-i", "testsrc2=size=300x300:duration=0.04"),
        *("-map", "0", "-map", "1", "-c:a", "libmp3lame", "-b:a", "96k"),
        *("-c:v", "mjpeg", "-disposition:v", "attached_pic", files["mp3"]),
    )
    return files


@pytest.fixture
def fake_ffmpeg(tmp_path, settings):
    """Point FFMPEG_BINARY at a script that half-writes its output, complains, and fails."""
    script = tmp_path / "fake-ffmpeg"
    script.write_text(
        "#!/bin/sh\n"
        'for last; do :; done\nmkdir -p "$(dirname "$last")"\necho half-written > "$last"\n'
        'echo "fake ffmpeg: Conversion failed!" >&2\nexit 1\n'
    )
    script.chmod(0o755)
    settings.FFMPEG_BINARY = str(script)
    return script


def playlist_entries(playlist: Path) -> list[str]:
    return [line for line in playlist.read_text().splitlines() if line and not line.startswith("#")]


def variants(master: Path) -> list[tuple[dict[str, str], Path]]:
    """(attributes, variant playlist path) for each #EXT-X-STREAM-INF of a master playlist."""
    lines = master.read_text().splitlines()
    found = []
    for number, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1]))
            found.append((attributes, master.parent / lines[number + 1]))
    return found


# --- ffmpeg_binary ----------------------------------------------------------------------------------------


def test_ffmpeg_binary_comes_from_settings_else_imageio(settings):
    settings.FFMPEG_BINARY = "/opt/ffmpeg/bin/ffmpeg"
    assert ffmpeg_binary() == "/opt/ffmpeg/bin/ffmpeg"
    del settings.FFMPEG_BINARY
    assert Path(ffmpeg_binary()).is_file()


# --- probe ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, kind, width, height, video_codec, audio_codec",
    [
        ("720p", "video", 1280, 720, "h264", "aac"),
        ("360p", "video", 640, 360, "h264", "aac"),
        ("mute", "video", 320, 180, "h264", ""),
        ("rotated", "video", 360, 640, "h264", "aac"),
        ("raw_h264", "video", 640, 360, "h264", ""),
        ("anamorphic", "video", 1024, 576, "mpeg2video", ""),
        ("tone", "audio", None, None, "", "pcm_s16le"),
        ("mp3", "audio", None, None, "", "mp3"),
    ],
)
def test_probe_reports_the_facts(inputs, name, kind, width, height, video_codec, audio_codec):
    facts = probe(inputs[name])
    assert facts.kind == kind
    assert facts.duration == pytest.approx(SECONDS, abs=0.2)
    assert (facts.width, facts.height) == (width, height)
    assert (facts.video_codec, facts.audio_codec) == (video_codec, audio_codec)
    assert facts.codecs == ", ".join(codec for codec in (video_codec, audio_codec) if codec)
    assert facts.bitrate > 0 and facts.format_name
    assert (facts.frame_rate == pytest.approx(25)) if kind == "video" else facts.frame_rate is None
    if audio_codec:
        assert facts.sample_rate in (44100, 48000) and facts.channels == 1
    else:
        assert facts.sample_rate is None and facts.channels is None


def test_probe_accepts_str_paths(inputs):
    assert probe(str(inputs["tone"])).kind == "audio"


@pytest.mark.parametrize(
    "damage, name",
    [
        ("random bytes", "upload.mp4"),
        ("truncated mp4", "upload.mp4"),
        ("empty", "upload.mp4"),
        ("still image", "upload.jpg"),
        ("playlist", "upload.m3u8"),
        ("playlist", "upload.mp4"),
    ],
)
def test_probe_refuses_what_is_not_playable_media(inputs, tmp_path, damage, name):
    bad = tmp_path / name
    if damage == "random bytes":
        bad.write_bytes(random.Random(7).randbytes(64 * 1024))
    elif damage == "truncated mp4":  # The index (moov) is at the end: cut it off.
        data = inputs["720p"].read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        bad.touch()
    elif damage == "still image":
        Image.new("RGB", (64, 48), "red").save(bad, "JPEG")
    else:  # A playlist disguised as a video would make ffmpeg read the files it lists.
        bad.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3,\n{inputs['360p']}\n#EXT-X-ENDLIST\n")
    with pytest.raises(MediaError) as caught:
        probe(bad)
    assert str(caught.value).strip()
    # The same refusal from the functions that write, and nothing written.
    with pytest.raises(MediaError):
        transcode_mp4(bad, tmp_path / "out.mp4")
    assert [path.name for path in tmp_path.iterdir()] == [name]


def test_probe_of_a_missing_file_is_a_programming_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        probe(tmp_path / "nowhere.mp4")


# --- make_poster ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, at, size",
    [("720p", None, (1280, 720)), ("360p", 99.0, (640, 360)), ("rotated", 1.0, (360, 640))],
)
def test_poster_is_a_jpeg_of_the_picture(inputs, tmp_path, name, at, size):
    poster = tmp_path / "poster.jpg"
    make_poster(inputs[name], poster, at=at)  # 99 s is past the end: clamped to the last frames.
    with Image.open(poster) as picture:
        assert picture.format == "JPEG" and picture.size == size


def test_poster_is_at_most_1280_wide(tmp_path):
    wide = clip(tmp_path / "wide.mp4", "1920x1080", audio=False, seconds=0.4)
    make_poster(wide, tmp_path / "poster.jpg")
    with Image.open(tmp_path / "poster.jpg") as picture:
        assert picture.size == (1280, 720)


def test_poster_of_audio_is_refused(inputs, tmp_path):
    with pytest.raises(MediaError, match="video"):
        make_poster(inputs["mp3"], tmp_path / "poster.jpg")
    assert not (tmp_path / "poster.jpg").exists()


# --- transcode_mp4 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, max_height, size, audio_codec",
    [
        ("720p", 720, (1280, 720), "aac"),
        ("720p", 360, (640, 360), "aac"),
        ("rotated", 360, (202, 360), "aac"),  # 202.5 wide exactly: rounded to even.
        ("mute", 720, (320, 180), ""),
        ("anamorphic", 720, (1024, 576), ""),  # Square pixels out.
    ],
)
def test_mp4_is_h264_aac_within_max_height(inputs, tmp_path, name, max_height, size, audio_codec):
    output = tmp_path / "web.mp4"
    transcode_mp4(inputs[name], output, max_height=max_height)
    facts = probe(output)
    assert (facts.video_codec, facts.audio_codec) == ("h264", audio_codec)
    assert (facts.width, facts.height) == size
    assert facts.width % 2 == 0 and facts.height % 2 == 0 and facts.height <= max_height
    assert facts.duration == pytest.approx(SECONDS, abs=0.2)
    assert output.read_bytes()[4:8] == b"ftyp" and b"moov" in output.read_bytes()[:4096]  # faststart
    assert [path.name for path in tmp_path.iterdir()] == ["web.mp4"]


def test_mp4_refuses_audio_only_input(inputs, tmp_path):
    with pytest.raises(MediaError):
        transcode_mp4(inputs["tone"], tmp_path / "web.mp4")


def test_failed_ffmpeg_leaves_no_output_and_keeps_its_words_for_the_logs(inputs, tmp_path, fake_ffmpeg):
    output = tmp_path / "out" / "web.mp4"
    output.parent.mkdir()
    with pytest.raises(MediaError) as caught:
        transcode_mp4(inputs["360p"], output)
    assert "Conversion failed" in caught.value.detail and "status 1" in caught.value.detail
    assert str(caught.value) and "ffmpeg" not in str(caught.value).lower()
    assert list(output.parent.iterdir()) == []


def test_a_stuck_ffmpeg_is_killed(inputs, tmp_path, settings, monkeypatch):
    script = tmp_path / "stuck-ffmpeg"
    script.write_text("#!/bin/sh\nexec sleep 30\n")
    script.chmod(0o755)
    settings.FFMPEG_BINARY = str(script)
    monkeypatch.setattr(media_processing, "_timeout", lambda *args, **kwargs: 0.5)
    with translation.override("en"), pytest.raises(MediaError, match="too long"):
        transcode_mp4(inputs["360p"], tmp_path / "web.mp4")
    with translation.override("en"), pytest.raises(MediaError, match="too long"):
        waveform_peaks(inputs["tone"])
    assert not (tmp_path / "web.mp4").exists()


# --- make_hls ---------------------------------------------------------------------------------------------


def assert_complete_variant(playlist: Path, seconds: float = SECONDS) -> None:
    text = playlist.read_text()
    assert "#EXT-X-ENDLIST" in text
    segments = playlist_entries(playlist)
    assert segments and all((playlist.parent / name).is_file() for name in segments)
    total = sum(float(value) for value in re.findall(r"#EXTINF:([\d.]+)", text))
    assert total == pytest.approx(seconds, abs=0.5)


def test_hls_ladder_for_a_720p_source(inputs, tmp_path):
    master = make_hls(inputs["720p"], tmp_path / "hls", segment_seconds=1)
    assert master == tmp_path / "hls" / "master.m3u8"
    found = variants(master)
    assert [attributes["RESOLUTION"] for attributes, _ in found] == ["640x360", "1280x720"]
    assert [playlist.relative_to(master.parent).as_posix() for _, playlist in found] == [
        "360p/index.m3u8",
        "720p/index.m3u8",
    ]
    for (attributes, playlist), (_, video_bps, audio_bps) in zip(found, DEFAULT_LADDER, strict=True):
        assert 0.5 * (video_bps + audio_bps) < int(attributes["BANDWIDTH"]) < 2 * (video_bps + audio_bps)
        assert "mp4a" in attributes["CODECS"]
        assert_complete_variant(playlist)
        assert len(playlist_entries(playlist)) >= 3  # 1 s segments: key frames were forced.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["hls"]  # No work folder left.


def test_hls_for_a_360p_source_has_only_the_lowest_rung(inputs, tmp_path):
    master = make_hls(inputs["360p"], tmp_path / "hls")
    [(attributes, playlist)] = variants(master)
    assert attributes["RESOLUTION"] == "640x360" and playlist.parent.name == "360p"
    assert_complete_variant(playlist)
    assert sorted(path.name for path in master.parent.iterdir()) == ["360p", "master.m3u8"]


def test_hls_for_a_smaller_source_scales_the_lowest_rung_down(inputs, tmp_path):
    master = make_hls(inputs["mute"], tmp_path / "hls", segment_seconds=2)
    [(attributes, playlist)] = variants(master)
    assert attributes["RESOLUTION"] == "320x180" and playlist.parent.name == "180p"
    assert "mp4a" not in attributes["CODECS"]  # No sound in, none out.
    assert_complete_variant(playlist)


def test_failed_hls_leaves_nothing_behind(inputs, tmp_path, fake_ffmpeg):
    with pytest.raises(MediaError):
        make_hls(inputs["360p"], tmp_path / "hls")
    assert sorted(path.name for path in tmp_path.iterdir()) == [fake_ffmpeg.name]


# --- loudness ---------------------------------------------------------------------------------------------


def test_loudness_of_a_known_tone(inputs):
    loudness = measure_loudness(inputs["tone"])  # 1 kHz at -20 dBFS peak is -23 LUFS by definition.
    assert loudness.integrated_lufs == pytest.approx(-23.0, abs=0.5)
    assert loudness.true_peak_dbtp == pytest.approx(-20.0, abs=0.5)
    assert loudness.lra == pytest.approx(0, abs=1)


@pytest.mark.parametrize("name, target", [("tone", -16.0), ("mp3", -23.0), ("720p", -16.0)])
def test_normalised_audio_reaches_the_target(inputs, tmp_path, name, target):
    output = tmp_path / "normalised.m4a"
    loudness = normalise_audio(inputs[name], output, target_lufs=target)
    assert loudness.integrated_lufs == pytest.approx(target, abs=1.5)
    assert loudness.true_peak_dbtp <= -1.0
    assert measure_loudness(output) == loudness  # Measured on the output, not the filter's guess.
    facts = probe(output)
    assert (facts.kind, facts.audio_codec, facts.video_codec) == ("audio", "aac", "")
    assert facts.duration == pytest.approx(SECONDS, abs=0.2)


def test_silence_cannot_be_normalised(inputs, tmp_path):
    with translation.override("en"), pytest.raises(MediaError, match="silent"):
        normalise_audio(inputs["silence"], tmp_path / "normalised.m4a")
    assert list(tmp_path.iterdir()) == []


# --- waveform_peaks ---------------------------------------------------------------------------------------


def test_waveform_of_a_steady_tone_is_flat(inputs):
    peaks = waveform_peaks(inputs["tone"])
    assert len(peaks) == 800 and all(0 <= peak <= 1 for peak in peaks)
    assert all(peak == round(peak, 3) for peak in peaks)
    assert min(peaks) == pytest.approx(TONE_LEVEL, rel=0.05)
    assert max(peaks) == pytest.approx(TONE_LEVEL, rel=0.05)


def test_waveform_follows_the_sound_in_time(inputs):
    peaks = waveform_peaks(inputs["tone_then_silence"], points=40)
    assert len(peaks) == 40
    assert all(peak == pytest.approx(0.5, rel=0.05) for peak in peaks[:19])
    assert all(peak < 0.01 for peak in peaks[21:])


@pytest.mark.parametrize("points", [1, 7, 5000])
def test_waveform_has_as_many_points_as_asked(inputs, points):
    peaks = waveform_peaks(inputs["mp3"], points=points)
    assert len(peaks) == points and all(0 <= peak <= 1 for peak in peaks)


def test_waveform_needs_sound(inputs):
    with pytest.raises(MediaError):
        waveform_peaks(inputs["mute"])
