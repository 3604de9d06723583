#!/usr/bin/python3
"""rewrite-etree.py - a migrate hook as operators often write it today:
python3 and xml.etree. Same rewrite as bench/data/rewrite.json: bridge br0
-> br1, disk sources under /var/lib/libvirt/images -> /srv/images, VNC listen
-> 0.0.0.0. Prints the XML only when it changed (like migrate-hooks)."""
import sys
import xml.etree.ElementTree as ET

if sys.argv[2:4] != ["migrate", "begin"]:
    sys.exit(0)
text = sys.stdin.read()
root = ET.fromstring(text)
changed = False
for source in root.findall("./devices/interface/source"):
    if source.get("bridge") == "br0":
        source.set("bridge", "br1")
        changed = True
for source in root.findall("./devices/disk/source"):
    path = source.get("file", "")
    if path.startswith("/var/lib/libvirt/images/"):
        source.set("file", "/srv/images/" + path[len("/var/lib/libvirt/images/"):])
        changed = True
for graphics in root.findall("./devices/graphics"):
    if graphics.get("listen"):
        graphics.set("listen", "0.0.0.0")
        changed = True
    for listen in graphics.findall("listen"):
        if listen.get("address"):
            listen.set("address", "0.0.0.0")
            changed = True
if changed:
    sys.stdout.write(ET.tostring(root, encoding="unicode"))
