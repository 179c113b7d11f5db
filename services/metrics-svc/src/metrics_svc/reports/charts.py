"""Charts as SVG or PNG, drawn with matplotlib and a CJK font (from mplfonts) so Chinese
titles and channel names render."""

from __future__ import annotations

import io
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import mplfonts
from matplotlib import font_manager
from matplotlib.figure import Figure

from metrics_svc.reports.benchmark import BandPoint
from metrics_svc.reports.schemas import ChannelsReport, Overview, PostReport

MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
FONT_FILE = "NotoSansCJKsc-Regular.otf"


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register the CJK font shipped by mplfonts and return its family name."""
    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _figure() -> Figure:
    family = cjk_font()
    figure = Figure(figsize=(9, 4.8), dpi=100, layout="constrained")
    figure.set_facecolor("white")
    matplotlib.rcParams["font.family"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.fonttype"] = "path"  # glyphs as paths: renders without the font
    return figure


def _render(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt)
    return buffer.getvalue()


def overview_chart(report: Overview, metric: str, fmt: str) -> bytes:
    figure = _figure()
    axes = figure.add_subplot()
    for channel in report.channels:
        label = channel.name or channel.channel_id[:8]
        values = [getattr(b, metric) or 0 for b in channel.buckets]
        starts = [b.start for b in channel.buckets]
        axes.plot(starts, values, marker="o", markersize=3, label=label)  # type: ignore[arg-type]
    axes.set_title(f"{_LABELS.get(metric, metric)} · {report.interval}")
    axes.set_ylabel(_LABELS.get(metric, metric))
    axes.grid(alpha=0.3)
    if report.channels:
        axes.legend(loc="upper left", fontsize=8)
    figure.autofmt_xdate()
    return _render(figure, fmt)


def post_chart(report: PostReport, channel_index: int, band: list[BandPoint], fmt: str) -> bytes:
    figure = _figure()
    axes = figure.add_subplot()
    channel = report.channels[channel_index]
    if band:
        ages = [b.age_hours for b in band]
        axes.fill_between(
            ages,
            [b.p25 for b in band],
            [b.p75 for b in band],
            alpha=0.25,
            label="同频道帖子 p25–p75 (peers)",
        )
        axes.plot(ages, [b.median for b in band], linestyle="--", label="中位数 median")
    axes.plot(
        [p.age_hours for p in channel.curve],
        [p.value for p in channel.curve],
        marker="o",
        markersize=3,
        label=f"本文 {channel.benchmark.metric}",
    )
    title = report.title or report.post_id
    axes.set_title(f"{title} · {channel.name or channel.channel_id[:8]}")
    axes.set_xlabel("发布后小时数 (hours since publication)")
    axes.set_ylabel("阅读量 reads")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)
    if channel.benchmark.reason:
        axes.text(
            0.99,
            0.02,
            channel.benchmark.reason,
            transform=axes.transAxes,
            ha="right",
            fontsize=8,
        )
    return _render(figure, fmt)


def channels_chart(report: ChannelsReport, fmt: str) -> bytes:
    figure = _figure()
    axes = figure.add_subplot()
    labels = [c.name or c.channel_id[:8] for c in report.channels]
    positions = range(len(labels))
    width = 0.4
    axes.bar(
        [p - width / 2 for p in positions],
        [c.reads for c in report.channels],
        width,
        label="阅读量 reads",
    )
    axes.bar(
        [p + width / 2 for p in positions],
        [c.engagement for c in report.channels],
        width,
        label="互动 engagement",
    )
    axes.set_xticks(list(positions), labels)
    axes.set_title(
        f"渠道对比 channels · {report.start.date().isoformat()} – "
        f"{(report.end - timedelta(days=1)).date().isoformat()}"
    )
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8)
    return _render(figure, fmt)


_LABELS = {
    "reads": "阅读量 reads",
    "engagement": "互动 engagement",
    "followers": "粉丝 followers",
    "followers_net": "净增粉丝 net followers",
    "follows_gained": "新增关注 new followers",
    "unfollows": "取消关注 unfollows",
    "clicks": "点击 clicks",
    "conversions": "转化 conversions",
}
CHART_METRICS = tuple(_LABELS)
