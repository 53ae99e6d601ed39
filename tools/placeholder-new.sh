#!/bin/sh
# Makes the two placeholder media files that `steg new steg --type video|audio` copies into a
# program (crates/steg-compiler/src/scaffold/templates/platshallare.webm and .ogg), so that a new steg builds before the real
# film or recording exists. Run once; the files are committed. Needs ffmpeg (Debian `ffmpeg`).
set -eu
dir="$(dirname "$0")/../crates/steg-compiler/src/scaffold/templates"
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
text() { echo "drawtext=fontfile=$font:text='$1':fontcolor=white:fontsize=$2:x=(w-text_w)/2:y=(h-text_h)/2$3"; }
ffmpeg -loglevel error -y -f lavfi -i "color=c=0x2b5d7d:s=480x270:r=1:d=5" \
  -vf "$(text 'Platshållare' 28 -20),$(text 'Byt ut mot den riktiga filmen' 18 +20)" \
  -c:v libvpx-vp9 -b:v 20k -an -map_metadata -1 -fflags +bitexact "$dir/platshallare.webm"
# Three seconds of silence (Opus in Ogg).
ffmpeg -loglevel error -y -f lavfi -i "anullsrc=r=48000:cl=mono" -t 3 \
  -c:a libopus -b:a 16k -map_metadata -1 -fflags +bitexact -flags:a +bitexact "$dir/platshallare.ogg"
