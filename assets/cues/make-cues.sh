#!/bin/sh
# Makes the appliance's cue sounds with sox: 24 kHz 16-bit mono WAVs, small
# enough to ship in the repository. Run from anywhere; rerun after editing.
#   click.wav  a snapshot was taken (a short filtered tick)
#   chime.wav  the question was sent (two rising notes)
#   error.wav  something went wrong (a low falling tone)
#   ready.wav  the service has started and is listening (three rising notes)
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
tone() { out=$1; shift; sox -n -r 24000 -c 1 -b 16 -e signed-integer "$out" synth "$@"; }
tone "$dir/click.wav" 0.012 sine 2400 fade q 0.001 0.012 0.008 gain -6
tone "$dir/chime-a.wav" 0.14 sine 880 fade q 0.005 0.14 0.08 gain -10
tone "$dir/chime-b.wav" 0.22 sine 1320 fade q 0.005 0.22 0.15 gain -10
sox "$dir/chime-a.wav" "$dir/chime-b.wav" "$dir/chime.wav"
rm -f "$dir/chime-a.wav" "$dir/chime-b.wav"
tone "$dir/error.wav" 0.45 sine 330:196 fade q 0.01 0.45 0.2 gain -8
tone "$dir/ready-a.wav" 0.1 sine 660 fade q 0.005 0.1 0.05 gain -10
tone "$dir/ready-b.wav" 0.1 sine 880 fade q 0.005 0.1 0.05 gain -10
tone "$dir/ready-c.wav" 0.18 sine 1100 fade q 0.005 0.18 0.12 gain -10
sox "$dir/ready-a.wav" "$dir/ready-b.wav" "$dir/ready-c.wav" "$dir/ready.wav"
rm -f "$dir/ready-a.wav" "$dir/ready-b.wav" "$dir/ready-c.wav"
