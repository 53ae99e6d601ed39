#!/usr/bin/env python3
"""Generates the small placeholder films of the default program (never downloaded).

The real films are produced elsewhere; until then each video steg gets a silent WebM of the
right length that shows the film's title, so captions, players and reviews can be tried out.
For every steg with `type: video` and `src: /media/NAME.webm` it writes content/.../media/NAME.webm
with ffmpeg (Debian package `ffmpeg`). Existing files are left alone unless --force is given.
Usage: python3 tools/placeholder-videos.py [--force] [CONTENT_DIR]
"""
import pathlib
import re
import subprocess
import sys

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def front(text):
    m = re.match(r"---\n(.*?)\n---\n", text, re.S)
    return m.group(1) if m else ""


def field(yaml, name):
    m = re.search(rf"^{name}:\s*(.+)$", yaml, re.M)
    return m.group(1).strip().strip('"').strip("'") if m else None


def main():
    args = [a for a in sys.argv[1:] if a != "--force"]
    force = "--force" in sys.argv
    root = pathlib.Path(args[0] if args else "content")
    for md in sorted(root.rglob("*.md")):
        yaml = front(md.read_text(encoding="utf-8"))
        if field(yaml, "type") != "video":
            continue
        src = field(yaml, "src")
        if not src or not src.startswith("/") or not src.endswith(".webm"):
            continue
        moment = next(p for p in md.parents if (p / "moment.md").exists())
        out = moment / src.lstrip("/")
        if out.exists() and not force:
            continue
        seconds = int(field(yaml, "duration_seconds") or 60)
        title = (field(yaml, "title") or "Film").replace(":", "\\:").replace("'", "")
        draw = (
            f"drawtext=fontfile={FONT}:text='{title}':fontcolor=white:fontsize=20:"
            "x=(w-text_w)/2:y=(h-text_h)/2"
        )
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
             f"color=c=0x2b5d7d:s=480x270:r=1:d={seconds}", "-vf", draw,
             "-c:v", "libvpx-vp9", "-b:v", "20k", "-an", "-map_metadata", "-1",
             "-fflags", "+bitexact", str(out)],
            check=True,
        )
        print(f"{out}: {seconds} s, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
