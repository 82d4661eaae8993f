"""FFmpeg work for the shared media archive: probe, poster frame, MP4, HLS ladder, loudness, waveform.

Everything here works on local files: callers download an upload from S3 to a temporary file, call these
functions, and upload what they wrote. Nothing here touches models or storage, so it can be tested and
benchmarked on its own.

Probing uses PyAV (libav in-process, fast, structured answers). Everything that writes runs the ffmpeg
binary from imageio-ffmpeg (or settings.FFMPEG_BINARY) in a subprocess, so a crash or a runaway file
costs one killed child process, never the worker. Each public function probes its input first: an
unreadable upload fails at once with a clear MediaError instead of deep inside an ffmpeg run.

Uploads are untrusted. Inputs are opened with the ``file`` protocol only and passed as absolute paths
(so a name can neither be read as an option nor as a URL), and playlist-like containers (HLS, concat,
SDP...) are refused, because ffmpeg follows the references inside them: a ".mp4" that is really a
playlist could otherwise make the server read local files or fetch URLs.
"""

import array
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import av
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# (height, video bits per second, audio bits per second), lowest first.
DEFAULT_LADDER = ((360, 800_000, 96_000), (720, 2_800_000, 128_000))

POSTER_MAX_WIDTH = 1280
AUDIO_BITRATE = "128k"
WAVEFORM_SAMPLE_RATE = 8000  # Plenty for a drawn waveform, and 6x less to read than 48 kHz.
LOUDNESS_RANGE_TARGET = 11.0  # loudnorm's default LRA target, in LU.

# Containers whose "content" is references to other files or URLs: ffmpeg would go and read those.
REFUSED_FORMATS = frozenset({"hls", "applehttp", "concat", "dash", "sdp", "rtsp", "rtp", "ffmetadata", "tty"})
# Demuxers that read a still image: an upload that is a picture is not audio or video.
IMAGE_FORMATS = frozenset({"image2", "webp", "apng", "png", "ico", "psd", "svg"})

# Seconds an ffmpeg run may take: a fixed allowance for start-up and seeking plus so many seconds per
# second of media. Transcoding 720p with preset veryfast runs several times faster than real time on
# two cores, so these only stop runs that are stuck, never slow ones.
BASE_TIMEOUT = 120.0
SECONDS_PER_SECOND = {"poster": 0.0, "mp4": 10.0, "hls_rung": 8.0, "audio": 3.0}
# How many packets probe() may read before it must have decoded one frame.
MAX_PACKETS_TO_FIRST_FRAME = 300
STDERR_TAIL_LINES = 20

# Messages for the user (msgids in English, translated in locale/).
EMPTY_FILE = _("The file is empty.")
UNREADABLE = _("The file could not be read as audio or video. It may be damaged or in an unsupported format.")
NO_MEDIA = _("The file contains no audio or video.")
NO_VIDEO = _("The file has no video picture.")
NO_AUDIO = _("The file has no sound.")
SILENT = _("The sound is silent, so its loudness cannot be adjusted.")
FAILED = _("The media file could not be processed. It may be damaged or in an unsupported format.")
TOO_LONG = _("Processing the media file took too long and was stopped.")


class MediaError(Exception):
    """A file FFmpeg cannot read or process.

    str(error) is a short translatable message fit to show the user; `detail` keeps what ffmpeg or
    libav said (the last lines of stderr, the exit status) for the logs, where it belongs.
    """

    def __init__(self, message, *, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class MediaFacts:
    """What probe() found. Width and height are as displayed: rotation and non-square pixels applied."""

    kind: str  # "video" or "audio"
    duration: float  # seconds
    width: int | None
    height: int | None
    video_codec: str  # e.g. "h264", "" if none
    audio_codec: str  # e.g. "aac", "" if none
    bitrate: int  # bits per second of the whole file, 0 if unknown
    format_name: str  # e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    frame_rate: float | None
    sample_rate: int | None
    channels: int | None

    @property
    def codecs(self) -> str:
        """ "h264, aac" style, for display."""
        return ", ".join(codec for codec in (self.video_codec, self.audio_codec) if codec)


@dataclass(frozen=True)
class Loudness:
    """EBU R128 measurements: integrated loudness (LUFS), true peak (dBTP), loudness range (LU)."""

    integrated_lufs: float
    true_peak_dbtp: float
    lra: float


# --- Settings and paths -------------------------------------------------------------------------------------


def _setting(name: str):
    """An optional Django setting, or None; also None where Django has no settings at all (a bench script)."""
    from django.conf import ENVIRONMENT_VARIABLE, settings

    if not settings.configured and not os.environ.get(ENVIRONMENT_VARIABLE):
        return None
    return getattr(settings, name, None)


def ffmpeg_binary() -> str:
    """The ffmpeg to run: settings.FFMPEG_BINARY if set, else the static build that imageio-ffmpeg ships."""
    configured = _setting("FFMPEG_BINARY")
    if configured:
        return str(configured)
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _threads() -> str:
    """Threads per encoder: the CPUs this process may use (settings.FFMPEG_THREADS can lower it, for a
    worker that runs several jobs side by side). ffmpeg's own default, 1.5 x cores per x264 encoder,
    oversubscribes a small machine once the HLS ladder runs two encoders at once."""
    configured = _setting("FFMPEG_THREADS")
    if configured:
        return str(int(configured))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return str(cpus or 1)


def _input_path(path) -> Path:
    """An absolute path to an existing local file. Absolute so that ffmpeg reads neither an option
    ("-i -x.mp4") nor a protocol ("http:...") into it. A missing file is the caller's bug, not the
    user's, so it raises FileNotFoundError rather than MediaError."""
    source = Path(path).absolute()
    if not source.is_file():
        raise FileNotFoundError(f"No media file at {source}")
    return source


def _output_path(path) -> Path:
    """An absolute destination in an existing folder (callers choose where outputs go; nothing is created
    outside of that)."""
    dest = Path(path).absolute()
    if not dest.parent.is_dir():
        raise FileNotFoundError(f"No folder {dest.parent} to write {dest.name} into")
    return dest


@contextmanager
def _atomic_file(dest: Path) -> Iterator[Path]:
    """Yield a temporary path next to `dest` and move it into place only if the block succeeds, so a
    failed or killed run never leaves a half-written file where a caller would find it. ffmpeg creates
    the file itself, so it gets the usual permissions (mkstemp's would be owner-only)."""
    temporary = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.part")
    try:
        yield temporary
        if not temporary.is_file() or temporary.stat().st_size == 0:
            raise MediaError(FAILED, detail=f"ffmpeg wrote nothing to {dest.name}")
        os.replace(temporary, dest)
    finally:
        temporary.unlink(missing_ok=True)


# --- Running ffmpeg -----------------------------------------------------------------------------------------


def _timeout(duration: float, work: str, *, times: int = 1) -> float:
    """Seconds a run may take: generous, and proportional to how much media it has to go through."""
    return BASE_TIMEOUT + duration * SECONDS_PER_SECOND[work] * times


def _command(args: Sequence[str], loglevel: str) -> list[str]:
    return [ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", "-nostats", "-loglevel", loglevel, *args]


def _input_args(source: Path, *, seek: float | None = None) -> list[str]:
    """Read `source` as a local file only (no network, no other protocol), decoding on as many threads as
    the encoders get, optionally from `seek` seconds in (fast input seeking)."""
    seek_args = ["-ss", f"{seek:.3f}"] if seek else []
    return ["-threads", _threads(), "-protocol_whitelist", "file", *seek_args, "-i", str(source)]


def _tail(stderr: bytes | str | None) -> str:
    if not stderr:
        return ""
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    return "\n".join(stderr.strip().splitlines()[-STDERR_TAIL_LINES:])


def _run_ffmpeg(args: Sequence[str], *, timeout: float, loglevel: str = "error") -> str:
    """Run ffmpeg to completion and return its stderr. Raise MediaError (ffmpeg's words in `detail`) if it
    fails or outlives `timeout`; subprocess.run kills the child in that case."""
    command = _command(args, loglevel)
    logger.debug("Running %s", subprocess.list2cmdline(command))
    try:
        result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        detail = f"ffmpeg killed after {timeout:.0f} s\n{_tail(error.stderr)}"
        raise MediaError(TOO_LONG, detail=detail) from None
    stderr = result.stderr.decode("utf-8", "replace")
    if result.returncode != 0:
        raise MediaError(FAILED, detail=f"ffmpeg exited with status {result.returncode}\n{_tail(stderr)}")
    return stderr


def _square_pixels() -> str:
    """Filter that makes pixels square (anamorphic DV and broadcast sources), so later scaling by height
    keeps the picture's shape. A no-op on square-pixel sources."""
    return "scale=trunc(iw*sar/2)*2:ih,setsar=1"


# After scaling one side to a number and the other to -2 (nearest even size), scale leaves a sample
# aspect ratio such as 405:406 to make up for the rounding; players would then stretch the picture by
# that amount. Declare the pixels square instead: the shape is off by less than a pixel.
_EVEN_SQUARE = "setsar=1"


def _even(value: float) -> int:
    """H.264 in 4:2:0 needs even dimensions."""
    return max(2, int(value) // 2 * 2)


# --- Probe --------------------------------------------------------------------------------------------------


def probe(path) -> MediaFacts:
    """Facts about an audio or video file, read with PyAV. Decodes the first frame too, so a file whose
    header parses but whose data does not is refused here, at upload, rather than in a later task."""
    source = _input_path(path)
    if source.stat().st_size == 0:
        raise MediaError(EMPTY_FILE, detail=f"{source} is empty")
    try:
        with _open(source) as container:
            return _facts(container, source)
    except (av.FFmpegError, ValueError, OverflowError, ZeroDivisionError) as error:
        raise MediaError(UNREADABLE, detail=f"{type(error).__name__}: {error}") from None


def _open(source: Path):
    """Open with PyAV, local files only; undecodable tags are skipped rather than fatal."""
    return av.open(str(source), options={"protocol_whitelist": "file"}, metadata_errors="ignore")


def _facts(container, source: Path) -> MediaFacts:
    format_name = container.format.name
    if set(format_name.split(",")) & REFUSED_FORMATS:
        raise MediaError(UNREADABLE, detail=f"refused container format {format_name}")
    video = None if _is_image_format(format_name) else _main_video_stream(container)
    audio = container.streams.audio[0] if container.streams.audio else None
    if video is None and audio is None:
        raise MediaError(NO_MEDIA, detail=f"no audio or video stream in {format_name}")
    frame = _first_frame(container, video or audio)
    if frame is None:
        raise MediaError(UNREADABLE, detail=f"no frame decoded from stream {(video or audio).index}")
    duration = _duration(container, video or audio, source)
    if duration <= 0:
        raise MediaError(NO_MEDIA, detail="duration is zero")
    width, height = _display_size(video, frame) if video else (None, None)
    return MediaFacts(
        kind="video" if video else "audio",
        duration=duration,
        width=width,
        height=height,
        video_codec=_codec_name(video),
        audio_codec=_codec_name(audio),
        bitrate=container.bit_rate or round(source.stat().st_size * 8 / duration),
        format_name=format_name,
        frame_rate=_frame_rate(video),
        sample_rate=(audio.codec_context.sample_rate or None) if audio else None,
        channels=(audio.codec_context.channels or None) if audio else None,
    )


def _is_image_format(format_name: str) -> bool:
    return format_name in IMAGE_FORMATS or format_name.endswith("_pipe")


def _main_video_stream(container):
    """The first video stream that is a moving picture: MP3 and M4A cover art is a video stream too,
    marked as an attached picture."""
    still = av.stream.Disposition.attached_pic | av.stream.Disposition.still_image
    for stream in container.streams.video:
        if not stream.disposition & still:
            return stream
    return None


def _first_frame(container, stream):
    """The first frame of `stream` that decodes, or None. Tolerates a few broken packets at the start
    (cut recordings), but not a file that never yields a frame."""
    stream.codec_context.thread_count = 1  # One frame is all we want; frame threads would only delay it.
    for number, packet in enumerate(container.demux(stream)):
        if number > MAX_PACKETS_TO_FIRST_FRAME:
            break
        try:
            frames = packet.decode()
        except av.FFmpegError:
            continue
        if frames:
            return frames[0]
    return None


def _duration(container, stream, source: Path) -> float:
    """Seconds, from the container header, else the stream header, else by reading every packet (raw
    elementary streams and some broken files carry no duration at all)."""
    if container.duration and container.duration > 0:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return _duration_by_demux(source, stream.index)


def _duration_by_demux(source: Path, index: int) -> float:
    """Span of the stream's packet timestamps; for a raw stream without any (a bare .h264), its packet
    count over its frame rate."""
    with _open(source) as container:
        stream = container.streams[index]
        first = last = None
        packets = 0
        for packet in container.demux(stream):
            if not packet.size:  # The empty packet that ends demuxing.
                continue
            packets += 1
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is None:
                continue
            end = stamp + (packet.duration or 0)
            first = stamp if first is None else min(first, stamp)
            last = end if last is None else max(last, end)
        if first is not None and last > first and stream.time_base:
            return float((last - first) * stream.time_base)
        rate = stream.guessed_rate if stream.type == "video" else None
        return packets / float(rate) if rate else 0.0


def _display_size(stream, frame) -> tuple[int, int]:
    """Width and height as shown: non-square pixels stretched, phone videos turned upright."""
    width, height = frame.width, frame.height
    aspect = stream.sample_aspect_ratio
    if aspect and aspect > 0 and aspect != 1:
        width = round(width * aspect)
    if round(frame.rotation or 0) % 180 == 90:
        width, height = height, width
    return width, height


def _codec_name(stream) -> str:
    """The codec's own name ("mp3", "av1"), not the decoder's ("mp3float", "libdav1d")."""
    if stream is None:
        return ""
    codec = stream.codec_context.codec
    return codec.canonical_name or codec.name or ""


def _frame_rate(stream) -> float | None:
    if stream is None:
        return None
    rate = stream.average_rate or stream.guessed_rate
    return round(float(rate), 3) if rate else None


def _require(facts: MediaFacts, *, video: bool = False, audio: bool = False) -> MediaFacts:
    if video and facts.kind != "video":
        raise MediaError(NO_VIDEO, detail="no video stream")
    if audio and not facts.audio_codec:
        raise MediaError(NO_AUDIO, detail="no audio stream")
    return facts


# --- Poster frame -------------------------------------------------------------------------------------------


def make_poster(src, dest, *, at: float | None = None) -> None:
    """Write a JPEG poster frame at most POSTER_MAX_WIDTH wide. By default it is taken at a tenth of the
    duration: the very first frame is often black or a fade-in."""
    source, target = _input_path(src), _output_path(dest)
    facts = _require(probe(source), video=True)
    moment = facts.duration * 0.1 if at is None else at
    moment = min(max(moment, 0.0), max(facts.duration - 0.5, 0.0))
    width = _even(min(POSTER_MAX_WIDTH, facts.width))
    with _atomic_file(target) as temporary:
        try:
            _grab_frame(source, temporary, moment, width)
        except MediaError:
            if not moment:
                raise
            # Streams whose video ends before their audio have no frame late on: take the first.
            _grab_frame(source, temporary, 0.0, width)


def _grab_frame(source: Path, dest: Path, moment: float, width: int) -> None:
    args = [
        *_input_args(source, seek=moment),
        "-map", "0:V:0",
        "-frames:v", "1",
        "-vf", f"{_square_pixels()},scale={width}:-2:out_range=full,{_EVEN_SQUARE}",
        "-c:v", "mjpeg",
        "-q:v", "3",
        "-f", "image2",
        "-update", "1",
        str(dest),
    ]  # fmt: skip
    _run_ffmpeg(args, timeout=_timeout(0, "poster"))
    if not dest.is_file() or dest.stat().st_size == 0:
        raise MediaError(FAILED, detail=f"no frame at {moment:.3f} s")


# --- MP4 ----------------------------------------------------------------------------------------------------


def transcode_mp4(src, dest, *, max_height: int = 720) -> None:
    """Write a web MP4 every browser plays: H.264 (yuv420p, even dimensions, no taller than
    `max_height`) with AAC sound, index at the front (+faststart) so playback starts before the download
    ends. Metadata is dropped: phone videos carry the place they were shot, which a source may not want
    published."""
    if max_height < 2:
        raise ValueError("max_height must be at least 2")
    source, target = _input_path(src), _output_path(dest)
    facts = _require(probe(source), video=True)
    height = _even(min(max_height, facts.height))
    args = [
        *_input_args(source),
        "-map", "0:V:0",
        *(["-map", "0:a:0"] if facts.audio_codec else []),
        "-vf", f"{_square_pixels()},scale=-2:{height},{_EVEN_SQUARE}",
        *_h264_args(),
        "-crf", "23",
        *(_aac_args(facts, AUDIO_BITRATE) if facts.audio_codec else []),
        "-map_metadata", "-1",
        "-map_chapters", "-1",
        "-movflags", "+faststart",
        "-f", "mp4",
    ]  # fmt: skip
    with _atomic_file(target) as temporary:
        _run_ffmpeg([*args, str(temporary)], timeout=_timeout(facts.duration, "mp4"))


def _h264_args() -> list[str]:
    return ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-threads", _threads()]


def _aac_args(facts: MediaFacts, bitrate: str) -> list[str]:
    """AAC; surround is folded down to stereo, which is what phones and laptops play anyway."""
    downmix = ["-ac", "2"] if (facts.channels or 0) > 2 else []
    return ["-c:a", "aac", "-b:a", bitrate, *downmix]


# --- HLS ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rung:
    height: int
    video_bps: int
    audio_bps: int

    @property
    def name(self) -> str:
        return f"{self.height}p"


def _plan_ladder(source_height: int, ladder) -> list[_Rung]:
    """The rungs worth making: none taller than the source (upscaling only wastes bits), but always the
    lowest, shrunk to the source's height when the source is smaller, with its bitrate shrunk by area."""
    rungs = sorted({_Rung(int(h), int(v), int(a)) for h, v, a in ladder}, key=lambda rung: rung.height)
    if not rungs:
        raise ValueError("the HLS ladder has no rungs")
    kept = [rung for rung in rungs if rung.height <= source_height]
    if kept:
        return kept
    lowest = rungs[0]
    height = _even(source_height)
    video_bps = max(100_000, round(lowest.video_bps * (height / lowest.height) ** 2))
    return [_Rung(height, video_bps, lowest.audio_bps)]


def make_hls(src, out_dir, *, ladder=DEFAULT_LADDER, segment_seconds: int = 4) -> Path:
    """Write an HLS ladder for adaptive streaming: out_dir/master.m3u8 and one folder per rung
    (out_dir/360p/index.m3u8 and its .ts segments). One ffmpeg run decodes once and splits the picture
    to every rung; key frames are forced every `segment_seconds` so segments line up across rungs and
    players can switch between them. Returns the master playlist's path.

    The ladder is written in a temporary folder beside out_dir and moved in when complete, master
    playlist last: a failed run leaves out_dir as it was. Rung folders of an earlier run are replaced."""
    if segment_seconds < 1:
        raise ValueError("segment_seconds must be at least 1")
    source, out = _input_path(src), _output_path(out_dir)
    facts = _require(probe(source), video=True)
    rungs = _plan_ladder(facts.height, ladder)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    try:
        audio = bool(facts.audio_codec)
        args = _hls_args(source, work, rungs, has_audio=audio, segment_seconds=segment_seconds)
        _run_ffmpeg(args, timeout=_timeout(facts.duration, "hls_rung", times=len(rungs)))
        _check_hls(work, rungs)
        _publish_hls(work, out, rungs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out / "master.m3u8"


def _hls_args(source: Path, work: Path, rungs: list[_Rung], *, has_audio: bool, segment_seconds: int) -> list:
    count = len(rungs)
    split = f"[0:V:0]{_square_pixels()},split={count}" + "".join(f"[s{i}]" for i in range(count))
    scales = [f"[s{i}]scale=-2:{rung.height},{_EVEN_SQUARE}[v{i}]" for i, rung in enumerate(rungs)]
    maps, rates, streams = [], [], []
    for i, rung in enumerate(rungs):
        maps += ["-map", f"[v{i}]", *(["-map", "0:a:0"] if has_audio else [])]
        rates += [
            f"-b:v:{i}", str(rung.video_bps),
            f"-maxrate:v:{i}", str(round(rung.video_bps * 1.07)),
            f"-bufsize:v:{i}", str(round(rung.video_bps * 1.5)),
        ]  # fmt: skip
        if has_audio:
            rates += [f"-b:a:{i}", str(rung.audio_bps)]
        streams.append(f"v:{i}" + (f",a:{i}" if has_audio else "") + f",name:{rung.name}")
    return [
        *_input_args(source),
        "-filter_complex", ";".join([split, *scales]),
        *maps,
        *_h264_args(),
        *(["-c:a", "aac", "-ac", "2"] if has_audio else []),
        *rates,
        "-force_key_frames", f"expr:gte(t,n_forced*{segment_seconds})",
        "-map_metadata", "-1",
        "-f", "hls",
        "-hls_time", str(segment_seconds),
        "-hls_playlist_type", "vod",
        "-hls_flags", "independent_segments",
        "-hls_segment_type", "mpegts",
        "-hls_segment_filename", str(work / "%v" / "segment_%05d.ts"),
        "-master_pl_name", "master.m3u8",
        "-var_stream_map", " ".join(streams),
        str(work / "%v" / "index.m3u8"),
    ]  # fmt: skip


def _check_hls(work: Path, rungs: list[_Rung]) -> None:
    """ffmpeg can exit 0 having written less than asked (an input that ends early): check every playlist
    is complete and its segments exist before publishing."""
    if not (work / "master.m3u8").is_file():
        raise MediaError(FAILED, detail="ffmpeg wrote no master playlist")
    for rung in rungs:
        playlist = work / rung.name / "index.m3u8"
        if not playlist.is_file():
            raise MediaError(FAILED, detail=f"ffmpeg wrote no playlist for {rung.name}")
        lines = playlist.read_text().splitlines()
        segments = [line for line in lines if line and not line.startswith("#")]
        if "#EXT-X-ENDLIST" not in lines or not segments:
            raise MediaError(FAILED, detail=f"incomplete playlist for {rung.name}")
        missing = [name for name in segments if not (playlist.parent / name).is_file()]
        if missing:
            raise MediaError(FAILED, detail=f"{rung.name} segments missing: {', '.join(missing[:5])}")


def _publish_hls(work: Path, out: Path, rungs: list[_Rung]) -> None:
    """Move the finished rungs into out_dir, then the master playlist that points at them."""
    out.mkdir(exist_ok=True)
    for rung in rungs:
        target = out / rung.name
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(work / rung.name, target)
    os.replace(work / "master.m3u8", out / "master.m3u8")


# --- Loudness -----------------------------------------------------------------------------------------------


def measure_loudness(src) -> Loudness:
    """EBU R128 loudness of the first audio stream, with ffmpeg's loudnorm filter in analysis mode."""
    source = _input_path(src)
    facts = _require(probe(source), audio=True)
    stats = _loudnorm(source, "loudnorm=print_format=json", facts.duration)
    return Loudness(
        integrated_lufs=float(stats["input_i"]),
        true_peak_dbtp=float(stats["input_tp"]),
        lra=float(stats["input_lra"]),
    )


def normalise_audio(src, dest, *, target_lufs: float = -16.0, true_peak: float = -1.5) -> Loudness:
    """Write the sound as AAC (.m4a, 128 kb/s) at `target_lufs` integrated loudness, true peak at most
    `true_peak`, so clips from different reporters play at the same level. Two passes: measure, then apply
    one linear gain from those measurements (loudnorm's one-pass mode compresses dynamics as it goes).
    Returns the loudness measured on the file written."""
    source, target = _input_path(src), _output_path(dest)
    facts = _require(probe(source), audio=True)
    measured = _loudnorm(source, f"loudnorm=I={target_lufs}:TP={true_peak}:print_format=json", facts.duration)
    if float(measured["input_i"]) < -70:  # -inf for digital silence; -70 LUFS is R128's absolute gate.
        raise MediaError(SILENT, detail=f"integrated loudness {measured['input_i']} LUFS")
    # A target range at least as wide as the measured one lets loudnorm stay linear (one gain throughout).
    lra = min(50.0, max(LOUDNESS_RANGE_TARGET, float(measured["input_lra"]) + 1))
    second_pass = (
        f"loudnorm=I={target_lufs}:TP={true_peak}:LRA={lra:.1f}"
        f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
        f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
        f":offset={measured['target_offset']}:linear=true:print_format=summary"
    )
    # loudnorm works at 192 kHz; come back to the source's rate when it is a usual one.
    rate = facts.sample_rate if facts.sample_rate in (44100, 48000) else 48000
    args = [
        *_input_args(source),
        "-map", "0:a:0",
        "-af", second_pass,
        "-ar", str(rate),
        *_aac_args(facts, AUDIO_BITRATE),
        "-map_metadata", "-1",
        "-movflags", "+faststart",
        "-f", "ipod",
    ]  # fmt: skip
    with _atomic_file(target) as temporary:
        _run_ffmpeg([*args, str(temporary)], timeout=_timeout(facts.duration, "audio"))
    return measure_loudness(target)


def _loudnorm(source: Path, audio_filter: str, duration: float) -> dict:
    """Run a loudnorm pass over the first audio stream, discarding the output, and return the JSON
    statistics it prints (at info level, hence the loglevel)."""
    args = [*_input_args(source), "-map", "0:a:0", "-af", audio_filter, "-f", "null", "-"]
    stderr = _run_ffmpeg(args, timeout=_timeout(duration, "audio"), loglevel="info")
    start, end = stderr.rfind("{"), stderr.rfind("}")
    try:
        stats = json.loads(stderr[start : end + 1])
        float(stats["input_i"]), float(stats["input_tp"]), float(stats["input_lra"])
    except (ValueError, KeyError, TypeError):
        raise MediaError(FAILED, detail=f"no loudnorm statistics\n{_tail(stderr)}") from None
    return stats


# --- Waveform -----------------------------------------------------------------------------------------------


def waveform_peaks(src, *, points: int = 800) -> list[float]:
    """Peak amplitude (0..1, 1 = full scale) of the sound in `points` equal slices of time, rounded to 3
    decimals: enough to draw a waveform in the browser. ffmpeg decodes to 8 kHz mono 16-bit PCM through a
    pipe; Python keeps only the peak of each short block as it reads, so memory stays small for hours of
    audio."""
    if points < 1:
        raise ValueError("points must be at least 1")
    source = _input_path(src)
    facts = _require(probe(source), audio=True)
    # Blocks small enough that each slice spans several, large enough that Python's loop stays short.
    block = max(1, min(80, int(facts.duration * WAVEFORM_SAMPLE_RATE) // (points * 4)))
    block_peaks = array.array("i")
    for chunk in _pcm_chunks(source, block * 2 * 4096, _timeout(facts.duration, "audio")):
        block_peaks.extend(_peaks(chunk, block))
    if not block_peaks:
        raise MediaError(NO_AUDIO, detail="ffmpeg decoded no samples")
    return _bucket(block_peaks, points)


def _peaks(chunk: bytes, block: int) -> Iterator[int]:
    """Peak absolute sample of each `block` samples of little-endian signed 16-bit PCM."""
    samples = array.array("h")
    samples.frombytes(chunk[: len(chunk) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    view = memoryview(samples)
    for start in range(0, len(samples), block):
        part = view[start : start + block]
        yield max(max(part), -min(part))


def _bucket(block_peaks: array.array, points: int) -> list[float]:
    """Fold block peaks into `points` slices; with fewer blocks than points, neighbours repeat."""
    count = len(block_peaks)
    values = []
    for i in range(points):
        start = i * count // points
        end = max((i + 1) * count // points, start + 1)
        values.append(round(min(1.0, max(block_peaks[start:end]) / 32768), 3))
    return values


def _pcm_chunks(source: Path, size: int, timeout: float) -> Iterator[bytes]:
    """Decode the first audio stream to 8 kHz mono s16le on ffmpeg's stdout and yield it in chunks of
    `size` bytes (the last may be shorter). stderr goes to a temporary file, not a pipe, so a file that
    makes ffmpeg complain a lot cannot fill the pipe and deadlock us; a timer kills a run that hangs."""
    args = [
        *_input_args(source),
        "-map", "0:a:0",
        "-ac", "1",
        "-ar", str(WAVEFORM_SAMPLE_RATE),
        "-c:a", "pcm_s16le",
        "-f", "s16le",
        "pipe:1",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(_command(args, "error"), stdout=subprocess.PIPE, stderr=stderr)
        timed_out = threading.Event()
        timer = threading.Timer(timeout, lambda: (timed_out.set(), process.kill()))
        timer.start()
        try:
            while chunk := process.stdout.read(size):
                yield chunk
            returncode = process.wait()
        finally:
            timer.cancel()
            if process.poll() is None:  # The caller stopped early, or reading failed.
                process.kill()
                process.wait()
            process.stdout.close()
        stderr.seek(0)
        detail = _tail(stderr.read())
    if timed_out.is_set():
        raise MediaError(TOO_LONG, detail=f"ffmpeg killed after {timeout:.0f} s\n{detail}")
    if returncode != 0:
        raise MediaError(FAILED, detail=f"ffmpeg exited with status {returncode}\n{detail}")
