#!/bin/sh
# rewrite-xmlstarlet.sh - a migrate hook as operators often write it today:
# /bin/sh and xmlstarlet. Same rewrite as bench/data/rewrite.json: bridge
# br0 -> br1, disk sources under /var/lib/libvirt/images -> /srv/images, VNC
# listen -> 0.0.0.0. Prints the XML only when it changed (like migrate-hooks).
[ "$2 $3" = "migrate begin" ] || exit 0
in=$(cat)
out=$(printf '%s' "$in" | xmlstarlet ed \
    -u "/domain/devices/interface/source[@bridge='br0']/@bridge" -v br1 \
    -u "/domain/devices/disk/source[starts-with(@file,'/var/lib/libvirt/images/')]/@file" \
       -x "concat('/srv/images/', substring-after(., '/var/lib/libvirt/images/'))" \
    -u "/domain/devices/graphics/@listen" -v 0.0.0.0 \
    -u "/domain/devices/graphics/listen/@address" -v 0.0.0.0)
[ "$out" = "$in" ] || printf '%s\n' "$out"
