#!/usr/bin/env python3
"""An independent bundle importer, written from docs/bundle-format.md and
schema/bundle.schema.json only (not from steg's Rust sources), as a platform in another
language would write one.

    python3 import_bundle.py SCHEMA BUNDLE...

For each BUNDLE (a bundle folder or a `.tar` archive) prints one JSON line:
`{"path": ..., "accepted": true|false, "codes": [...], "problems": [...]}`. The codes are the
B codes of the document's table, as best this importer can tell which one applies. Exit 0.

It checks what the document promises and a reader must check: the canonical archive, plain
folder files, paths and look-alike names, limits, the manifest against the schema, the tree,
ids, forms, files and hashes, media types and content, HTML fragments against the allow-list,
control characters, and release. It does not check signatures (no trusted key is given).
"""
import hashlib
import json
import os
import re
import stat
import sys
import unicodedata

import jsonschema

MAX_FILE = 512 * 1024 * 1024
MAX_TOTAL = 2 * 1024 * 1024 * 1024
MAX_ENTRIES = 20000
MAX_MANIFEST = 16 * 1024 * 1024
MAX_SIG = 1024
MAX_NAME = 1024
BLOCK = 512

ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
MULTILINE = {"summary", "message", "description", "help", "caption"}

STEG_TYPES = {"text", "video", "audio", "image", "form", "exercise"}

MEDIA_TYPES = {
    "html": "text/html", "json": "application/json", "vtt": "text/vtt",
    "md": "text/plain", "txt": "text/plain", "png": "image/png", "jpg": "image/jpeg",
    "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp", "svg": "image/svg+xml",
    "avif": "image/avif", "mp4": "video/mp4", "m4v": "video/mp4", "webm": "video/webm",
    "ogv": "video/ogg", "mp3": "audio/mpeg", "m4a": "audio/mp4", "ogg": "audio/ogg",
    "oga": "audio/ogg", "opus": "audio/ogg", "wav": "audio/wav", "pdf": "application/pdf",
}

TAGS = set("""a abbr b blockquote br caption cite code col colgroup dd del details dfn div dl
dt em figcaption figure h1 h2 h3 h4 h5 h6 hr i iframe img ins kbd li mark ol p pre q s samp
small span strike strong sub summary sup table tbody td tfoot th thead time tr u ul var""".split())
GENERIC_ATTRS = {"lang", "title", "dir"}
TAG_ATTRS = {
    "a": {"href", "hreflang", "rel"}, "img": {"src", "alt", "width", "height"},
    "ol": {"start", "reversed"}, "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"}, "time": {"datetime"}, "details": {"open"},
    "iframe": {"src", "width", "height", "allow", "allowfullscreen", "loading", "sandbox",
               "referrerpolicy"},
}
RENDERER_ATTRS = {"sup": {"class"}, "div": {"class", "id"}, "code": {"class"},
                  "th": {"style"}, "td": {"style"}}
STYLES = {"text-align: left", "text-align: center", "text-align: right"}
SCHEMES = {"http", "https", "mailto", "tel"}


class Problems:
    def __init__(self):
        self.list = []

    def add(self, code, text):
        self.list.append((code, text))


def forbidden(c, multiline):
    o = ord(c)
    if c in "\t\n":
        return not multiline
    return o <= 0x1F or 0x7F <= o <= 0x9F or 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069


def safe_path(p):
    if not p or p.startswith("/") or "\\" in p or ":" in p:
        return False
    if any(forbidden(c, False) for c in p):
        return False
    return all(seg not in ("", ".", "..") for seg in p.split("/"))


def look_alike_key(name):
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).lower())


def media_type(path):
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return MEDIA_TYPES.get(ext, "application/octet-stream")


# ------------------------------------------------------------------------------------------
# Reading: the archive's one canonical form, or a folder of plain files.

class Stop(Exception):
    def __init__(self, code, text):
        self.code, self.text = code, text


def octal(field):
    end = len(field)
    for i, b in enumerate(field):
        if b in (0, 32):
            end = i
            break
    digits = field[:end]
    if not digits or any(b < 48 or b > 55 for b in digits):
        return None
    return int(digits, 8)


def expected_header(name, size, mtime, typeflag=b"0"):
    h = bytearray(BLOCK)
    h[0:100] = name[:100].ljust(100, b"\0")
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"%011o\0" % mtime
    h[156:157] = typeflag
    h[257:265] = b"ustar  \0"
    h[148:156] = b" " * 8
    h[148:156] = b"%07o\0" % sum(h)
    return bytes(h)


def expected_blocks(name, size, mtime):
    """The header blocks the document describes for a file `name` (bytes)."""
    out = b""
    short = name
    if len(name) > 100:
        data = name + b"\0"
        out += expected_header(b"././@LongLink", len(data), 0, b"L")
        out += data + b"\0" * (-len(data) % BLOCK)
        cut = name[:100]
        while cut:
            try:
                cut.decode("utf-8")
                break
            except UnicodeDecodeError:
                cut = cut[:-1]
        short = cut
    return out + expected_header(short, size, mtime)


def read_archive(path, p):
    """{name: bytes} of a canonical archive, or None (problems in `p`)."""
    size = os.path.getsize(path)
    if size > MAX_TOTAL:
        p.add("B0016", "the archive is over the total limit")
        return None
    files = {}
    with open(path, "rb") as f:
        def block():
            b = f.read(BLOCK)
            if len(b) == 0:
                return None
            if len(b) < BLOCK:
                raise Stop("B0001", "the archive ends inside a header")
            return b

        def exact(n):
            b = f.read(n)
            if len(b) < n:
                raise Stop("B0001", "the archive ends inside an entry")
            return b

        def checksum_ok(h):
            stored = octal(h[148:156])
            return stored == sum(h[:148]) + 8 * 32 + sum(h[156:])

        try:
            previous, mtime, count = None, None, 0
            while True:
                first = block()
                if first is None:
                    raise Stop("B0021", "no end-of-archive blocks")
                if first == bytes(BLOCK):
                    second = block()
                    if second != bytes(BLOCK):
                        raise Stop("B0021", "a lone zero block")
                    if f.read(1):
                        raise Stop("B0021", "data after the end")
                    return files
                count += 1
                if count > MAX_ENTRIES:
                    raise Stop("B0016", "too many entries")
                if not checksum_ok(first):
                    raise Stop("B0001", "a header checksum is wrong")
                blocks = first
                if first[156:157] == b"L":
                    n = octal(first[124:136])
                    if n is None:
                        raise Stop("B0001", "a size is not octal")
                    if n == 0 or n > MAX_NAME + 1:
                        raise Stop("B0021", "a long-name record of %d bytes" % n)
                    data = exact(n + (-n % BLOCK))
                    raw_name = data[:n - 1]
                    header = block()
                    if header is None:
                        raise Stop("B0001", "the archive ends after a long name")
                    if not checksum_ok(header):
                        raise Stop("B0001", "a header checksum is wrong")
                    blocks += data + header
                else:
                    header = first
                    raw_name = first[:100].split(b"\0", 1)[0]
                kind = header[156:157]
                if kind not in b"01234567\0" or len(kind) != 1:
                    raise Stop("B0021", "an extension record of type %r" % kind)
                n = octal(header[124:136])
                if n is None:
                    raise Stop("B0001", "a size is not octal")
                try:
                    name = raw_name.decode("utf-8")
                except UnicodeDecodeError:
                    name = None
                if n > MAX_FILE:
                    if name is not None and safe_path(name):
                        raise Stop("B0016", "%s is over the file limit" % name)
                    raise Stop("B0013", "an unsafe name")
                data = exact(n)
                padding = exact(-n % BLOCK)
                bare = (name or "").rstrip("/") if kind == b"5" else name
                if name is None or not safe_path(bare):
                    p.add("B0013", "an unsafe or non-UTF-8 entry name")
                    if name is not None:
                        previous = name
                    continue
                # A refused entry is reported once, as what it is, not again as missing.
                if kind == b"5":
                    p.add("B0021", "a folder entry %s" % name)
                elif kind != b"0":
                    p.add("B0014", "%s is not a regular file" % name)
                elif previous is not None and previous.encode() > name.encode():
                    p.add("B0021", "%s is out of order" % name)
                    files[name] = None
                else:
                    this_mtime = octal(header[136:148]) or 0
                    if mtime is None:
                        mtime = this_mtime
                    if blocks != expected_blocks(raw_name, n, mtime) or any(padding):
                        p.add("B0021", "the header of %s is not canonical" % name)
                        files[name] = None
                    elif name in files:
                        p.add("B0015", "%s twice" % name)
                        files[name] = None
                    else:
                        files[name] = data
                previous = name
                if kind != b"0":
                    files.setdefault(name, None)
        except Stop as s:
            p.add(s.code, s.text)
            return None


def read_folder(root, p):
    """{name: bytes or None (refused)} of a folder of plain files."""
    files, total, entries = {}, 0, 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        names = sorted(filenames + [d for d in dirnames
                                    if os.path.islink(os.path.join(dirpath, d))])
        for fn in names:
            full = os.path.join(dirpath, fn)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            entries += 1
            if entries > MAX_ENTRIES:
                p.add("B0016", "too many entries")
                return files
            if not safe_path(rel):
                p.add("B0013", "an unsafe name")
                continue
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
                p.add("B0008", "%s is not a plain file" % rel)
                files[rel] = None
                continue
            limit = {"bundle.json": MAX_MANIFEST, "bundle.sig": MAX_SIG}.get(rel, MAX_FILE)
            if st.st_size > limit:
                p.add("B0016", "%s is over the limit" % rel)
                files[rel] = None
                continue
            total += st.st_size
            if total > MAX_TOTAL:
                p.add("B0016", "the bundle is over the total limit")
                return files
            fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as f:
                st2 = os.fstat(f.fileno())
                if not stat.S_ISREG(st2.st_mode) or (st2.st_dev, st2.st_ino) != (st.st_dev, st.st_ino):
                    p.add("B0008", "%s changed" % rel)
                    files[rel] = None
                    continue
                files[rel] = f.read(limit + 1)
    return files


def check_names(files, p):
    seen = {}
    for name in list(files):
        key = look_alike_key(name)
        if key in seen:
            p.add("B0022", "%s and %s look alike" % (name, seen[key]))
            files[name] = None
            files[seen[key]] = None
        else:
            seen[key] = name


# ------------------------------------------------------------------------------------------
# HTML fragments

def url_ok(v):
    head = re.split(r"[/?#]", v, maxsplit=1)[0]
    if "&" in head or "\\" in head or any(c.isspace() or unicodedata.category(c) == "Cc" for c in head):
        return False
    if ":" not in head:
        return True
    return head.split(":", 1)[0].lower() in SCHEMES


def fragment_problem(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ("B0025", "not UTF-8")
    for c in text:
        if c != "\r" and forbidden(c, True):
            return ("B0019", "U+%04X" % ord(c))
    i, n = 0, len(text)
    while True:
        i = text.find("<", i)
        if i < 0:
            return None
        nxt = text[i + 1:i + 2]
        closing = False
        if nxt.isascii() and nxt.isalpha():
            j = i + 1
        elif nxt == "/" and text[i + 2:i + 3].isascii() and text[i + 2:i + 3].isalpha():
            j, closing = i + 2, True
        elif nxt in ("!", "?", "/"):
            return ("B0025", "markup")
        else:
            i += 1
            continue
        k = j
        while k < n and text[k].isascii() and text[k].isalnum():
            k += 1
        tag = text[j:k].lower()
        if tag not in TAGS:
            return ("B0025", "element " + tag)
        while True:
            while k < n and text[k] in " \t\n\r\f":
                k += 1
            if k >= n:
                return ("B0025", "unfinished tag")
            if text[k] == ">":
                i = k + 1
                break
            if text.startswith("/>", k):
                i = k + 2
                break
            if closing:
                return ("B0025", "unfinished tag")
            a = k
            while k < n and text[k] not in " \t\n\r\f=>/":
                k += 1
            attr = text[a:k].lower()
            if not attr:
                return ("B0025", "unfinished tag")
            while k < n and text[k] in " \t\n\r\f":
                k += 1
            value = ""
            if k < n and text[k] == "=":
                k += 1
                while k < n and text[k] in " \t\n\r\f":
                    k += 1
                if k >= n or text[k] != '"':
                    return ("B0025", "unquoted value")
                end = text.find('"', k + 1)
                if end < 0:
                    return ("B0025", "unfinished tag")
                value = text[k + 1:end]
                k = end + 1
            if attr.startswith("on"):
                return ("B0025", "event handler " + attr)
            if attr not in GENERIC_ATTRS and attr not in TAG_ATTRS.get(tag, set()) \
                    and attr not in RENDERER_ATTRS.get(tag, set()):
                return ("B0025", "attribute " + attr)
            if attr == "style" and value not in STYLES:
                return ("B0025", "a style")
            if attr in ("href", "src") and not url_ok(value):
                return ("B0025", "address " + value)


def image_ok(mt, b):
    if mt == "image/png":
        return b.startswith(b"\x89PNG\r\n\x1a\n")
    if mt == "image/jpeg":
        return b.startswith(b"\xff\xd8\xff")
    if mt == "image/gif":
        return b[:6] in (b"GIF87a", b"GIF89a")
    if mt == "image/webp":
        return b[:4] == b"RIFF" and b[8:12] == b"WEBP"
    if mt == "image/avif":
        return b[4:8] == b"ftyp" and b[8:12] in (b"avif", b"avis")
    if mt == "image/svg+xml":
        t = b[3:] if b.startswith(b"\xef\xbb\xbf") else b
        t = t.lstrip()
        return t.startswith(b"<?xml") or t.startswith(b"<svg")
    return False


def content_problem(path, data):
    mt = media_type(path)
    if mt == "text/html":
        return fragment_problem(data)
    if mt == "text/vtt":
        t = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        if not (t.startswith(b"WEBVTT") and t[6:7] in (b"", b" ", b"\t", b"\n", b"\r")):
            return ("B0024", "captions are not WebVTT")
    elif mt.startswith("image/") and not image_ok(mt, data[:16]):
        return ("B0024", "not an image")
    return None


# ------------------------------------------------------------------------------------------
# The manifest

def walk_strings(v, key, at, p):
    if isinstance(v, str):
        if any(forbidden(c, key in MULTILINE) for c in v):
            p.add("B0019", "a control character at " + at)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk_strings(x, key, "%s/%d" % (at, i), p)
    elif isinstance(v, dict):
        for k, x in v.items():
            if any(forbidden(c, False) for c in k):
                p.add("B0019", "a control character in a key at " + at)
            walk_strings(x, k, at + "/" + k, p)


def questions_in_order(qs):
    out = []
    for q in qs:
        out.append(q)
        if q.get("type") == "group":
            out.extend(questions_in_order(q.get("questions", [])))
    return out


def takes_answer(q):
    return q["type"] not in ("display", "group")


def decimals_of(x):
    for d in range(6):
        s = x * 10 ** d
        if abs(s - round(s)) < 1e-6:
            return d
    return 6


def contribution(q):
    t = q["type"]
    if t in ("single_choice", "multiple_choice"):
        scores = [o.get("score") for o in q.get("options", [])]
        if not scores or any(s is None for s in scores):
            return None
        if t == "single_choice":
            return (min(scores), max(scores))
        return (sum(s for s in scores if s < 0), sum(s for s in scores if s > 0))
    if t == "scale":
        return (q["min"], q["max"])
    if t == "number" and q.get("min") is not None and q.get("max") is not None:
        return (q["min"], q["max"])
    return None


def value_fits(q, op, value):
    number = lambda whole: isinstance(value, (int, float)) and not isinstance(value, bool) and (
        not whole or float(value).is_integer())
    if q is None:  # a score
        return op != "answered" and number(False)
    if not takes_answer(q):
        return False
    if op == "answered":
        return isinstance(value, bool)
    eq = op in ("equals", "not_equals")
    t = q["type"]
    if t in ("single_choice", "multiple_choice"):
        return eq and isinstance(value, str) and value in [o["value"] for o in q["options"]]
    if t == "yes_no":
        return eq and isinstance(value, bool)
    if t == "scale":
        return number(True)
    if t == "number":
        return number(q.get("decimals", 0) == 0)
    return False


def check_form(addr, s, p):
    qs = questions_in_order(s["questions"])
    if not s["questions"]:
        p.add("B0011", addr + " has no questions")
    ids = [q["id"] for q in qs] + [x["id"] for x in s.get("scores", [])]
    if len(set(ids)) != len(ids):
        p.add("B0005", addr + " has an id twice")
    by_id = {q["id"]: q for q in qs}
    earlier = set()
    for q in qs:
        if not ID.match(q["id"]):
            p.add("B0004", "question id " + q["id"])
        t = q["type"]
        if t in ("single_choice", "multiple_choice"):
            opts = q["options"]
            if not opts:
                p.add("B0011", "no options")
            values = [o["value"] for o in opts]
            if len(set(values)) != len(values):
                p.add("B0023", "an option value twice")
            scored = sum(1 for o in opts if o.get("score") is not None)
            if scored not in (0, len(opts)):
                p.add("B0023", "partly scored")
        if t == "group" and not q["questions"]:
            p.add("B0011", "an empty group")
        if q.get("required") and not takes_answer(q):
            p.add("B0023", "display required")
        if t == "scale":
            step = q.get("step", 1)
            if q["min"] >= q["max"] or step <= 0 or (q["max"] - q["min"]) % step:
                p.add("B0023", "a scale step")
        if t == "number" and q.get("min") is not None and q.get("max") is not None \
                and q["min"] > q["max"]:
            p.add("B0023", "a number range")
        if q.get("alert") and not value_fits(q, q["alert"]["when"]["operator"],
                                             q["alert"]["when"]["value"]):
            p.add("B0023", "an alert value")
        for c in (q.get("show_if") or {}).get("conditions", []):
            if c["question"] not in earlier:
                p.add("B0012", "a condition on a later question")
            elif not value_fits(by_id[c["question"]], c["operator"], c["value"]):
                p.add("B0023", "a condition value")
        if takes_answer(q):
            earlier.add(q["id"])
    for sc in s.get("scores", []):
        if not ID.match(sc["id"]):
            p.add("B0004", "score id")
        lo = hi = 0
        complete = True
        if len(set(sc["questions"])) != len(sc["questions"]):
            p.add("B0023", "a question counted twice")
            complete = False
        for qid in sc["questions"]:
            if qid not in earlier:
                p.add("B0012", "a score counts an unknown question")
                complete = False
                continue
            r = contribution(by_id[qid])
            if r is None:
                p.add("B0023", "an unscorable question")
                complete = False
                continue
            lo += r[0]
            hi += r[1]
        if sc.get("alert") and not value_fits(None, sc["alert"]["when"]["operator"],
                                              sc["alert"]["when"]["value"]):
            p.add("B0023", "a score alert value")
        if not complete:
            continue
        decimals = 0
        for qid in sc["questions"]:
            q = by_id[qid]
            if q["type"] in ("single_choice", "multiple_choice"):
                decimals = max([decimals] + [decimals_of(o["score"]) for o in q["options"]])
            elif q["type"] == "number":
                decimals = max(decimals, q.get("decimals", 0))
        lo, hi = round(lo, decimals), round(hi, decimals)
        if abs(sc["min"] - lo) > 1e-9 or abs(sc["max"] - hi) > 1e-9:
            p.add("B0023", "a score range")
            continue
        bands = sc.get("bands", [])
        if bands:
            unit = 10 ** decimals
            units = []
            ok = True
            for b in bands:
                a, z = b["min"] * unit, b["max"] * unit
                if abs(a - round(a)) > 1e-6 or abs(z - round(z)) > 1e-6 or a > z:
                    ok = False
                    break
                units.append((round(a), round(z)))
            nxt = round(lo * unit)
            for a, z in sorted(units):
                if a != nxt:
                    ok = False
                nxt = z + 1
            if not ok or nxt != round(hi * unit) + 1:
                p.add("B0023", "bands do not cover the range")


def check_manifest(m, p):
    mo = m["moment"]
    if not ID.match(mo["id"]):
        p.add("B0004", "moment id")
    if not mo["welcome"]:
        p.add("B0004", "no welcome")
    if not mo["moduler"]:
        p.add("B0004", "no modul")
    def unique(ids, what):
        ids = list(ids)
        if len(set(ids)) != len(ids):
            p.add("B0005", what)
    unique((x["id"] for x in mo["moduler"]), "moduler")
    unique((f["id"] for f in mo.get("flags", [])), "flags")
    moduler = {x["id"] for x in mo["moduler"]}
    for f in mo.get("flags", []):
        if not ID.match(f["id"]):
            p.add("B0004", "flag id")
        for ref in f["trigger"].get("moduler", []) if f["trigger"]["event"] == "modul_ends" else []:
            if ref not in moduler:
                p.add("B0009", "flag names " + ref)
    roles = []
    moved = []
    addresses = set()
    for modul in mo["moduler"]:
        if not ID.match(modul["id"]):
            p.add("B0004", "modul id")
        if not modul["avsnitt"]:
            p.add("B0004", "no avsnitt")
        unique((a["id"] for a in modul["avsnitt"]), "avsnitt")
        roles.append((modul.get("intro"), "html"))
        for a in modul["avsnitt"]:
            if not ID.match(a["id"]):
                p.add("B0004", "avsnitt id")
            if not a["steg"]:
                p.add("B0004", "no steg")
            unique((s["id"] for s in a["steg"]), "steg")
            roles.append((a.get("intro"), "html"))
            for s in a["steg"]:
                addr = "%s/%s/%s" % (modul["id"], a["id"], s["id"])
                if not ID.match(s["id"]):
                    p.add("B0004", "steg id")
                if s["address"] != addr:
                    p.add("B0004", "address")
                roles.append((s["html"], "html"))
                t = s["type"]
                if t in ("video", "audio"):
                    src = s["source"]
                    if "url" in src and not re.match(r"^https?://", src["url"]):
                        p.add("B0008", "a media URL")
                    if "file" in src:
                        roles.append((src["file"], t))
                    roles.append((s["transcript"], "html"))
                    if not s["transcript"] or (t == "video" and not s["captions"]):
                        p.add("B0011", addr + " lacks captions or a transcript")
                    if t == "video":
                        roles.append((s["captions"], "captions"))
                        roles.append((s.get("poster"), "image"))
                        check_tracks(addr, s, p)
                        for tr in s.get("text_tracks", []):
                            roles.append((tr["src"], "captions"))
                        if "poster_alt" in s and (not s.get("poster")
                                                  or not s["poster_alt"].strip()):
                            p.add("B0027", addr + " poster_alt without a poster, or empty")
                    tl = s.get("transcript_language")
                    if tl is not None and not LANGUAGE_TAG.match(tl):
                        p.add("B0026", addr + " transcript language")
                elif t == "image":
                    if not s.get("alt") and not s.get("decorative"):
                        p.add("B0011", addr + " lacks alt text")
                    roles.append((s["src"], "image"))
                elif t == "form":
                    check_form(addr, s, p)
                    roles.append((s.get("fhir"), "fhir"))
                elif t == "exercise":
                    fields = [f["id"] for f in s.get("fields", [])]
                    if any(not ID.match(f) for f in fields):
                        p.add("B0004", "field id")
                    if len(set(fields)) != len(fields):
                        p.add("B0023", "a field id twice")
                addresses.add(s["address"])
                for old in s.get("moved_from", []):
                    moved.append((addr, old))
                if s.get("content_hash") is not None and not SHA256.match(s["content_hash"]):
                    p.add("B0020", "content_hash")
                if m.get("release"):
                    r = s.get("review")
                    if not r or r["status"] != "approved" or s.get("content_hash") is None \
                            or r.get("approved_hash") != s["content_hash"]:
                        p.add("B0020", addr + " is not approved in a release")
    roles.append((mo["welcome"], "html"))
    check_moved_from(moved, addresses, p)
    check_provenance(m.get("provenance"), p)
    return [(path, role) for path, role in roles if path]


# docs/bundle-format.md, Media tracks: 2-3 letters, then subtags of 1-8 letters or digits.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def check_tracks(addr, s, p):
    tracks = s.get("text_tracks", [])
    if not tracks:
        return  # written before the field: the captions are the one track
    if tracks[0]["src"] != s["captions"] or tracks[0]["kind"] != "captions":
        p.add("B0026", addr + " the first text track is not the captions")
    seen = set()
    for tr in tracks:
        if not LANGUAGE_TAG.match(tr["language"]):
            p.add("B0026", addr + " a track's language")
        else:
            key = (tr["language"].lower(), tr["kind"])
            if key in seen:
                p.add("B0026", addr + " two tracks of one kind and language")
            seen.add(key)
        if "label" in tr and not tr["label"].strip():
            p.add("B0026", addr + " an empty label")


def check_moved_from(moved, addresses, p):
    claimed = {}
    for addr, old in moved:
        parts = old.split("/")
        if len(parts) != 3 or not all(ID.match(x) for x in parts):
            p.add("B0028", addr + " moved_from is not an address")
            continue
        if old in addresses:
            p.add("B0028", addr + " moved_from is still a steg")
        if old in claimed and claimed[old] != addr:
            p.add("B0028", old + " claimed twice")
        claimed.setdefault(old, addr)


def check_provenance(prov, p):
    if not prov:
        return
    hexdigits = re.compile(r"^[0-9a-f]+$")
    src = prov.get("source")
    if src is not None and not (len(src["commit"]) in (40, 64) and hexdigits.match(src["commit"])):
        p.add("B0029", "provenance commit")
    epoch, at = prov.get("source_date_epoch"), prov.get("built_at")
    if (epoch is None) != (at is None):
        p.add("B0029", "only one of source_date_epoch and built_at")
    elif epoch is not None:
        import datetime
        expected = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc) \
            .strftime("%Y-%m-%dT%H:%M:%SZ")
        if at != expected:
            p.add("B0029", "built_at is not its epoch")
    key = prov.get("signing_key")
    if key is not None:
        if key["algorithm"] != "ed25519":
            p.add("B0029", "signing key algorithm")
        pk = key["public_key"]
        if len(pk) != 64 or not hexdigits.match(pk):
            p.add("B0029", "signing key public_key")
        elif key["id"] != hashlib.sha256(bytes.fromhex(pk)).hexdigest()[:16]:
            p.add("B0029", "signing key id")


def suits(role, mt):
    return {"html": mt == "text/html", "captions": mt == "text/vtt",
            "image": mt.startswith("image/"), "video": mt.startswith("video/"),
            "audio": mt.startswith("audio/"), "fhir": mt == "application/fhir+json"}[role]


def import_bundle(path, validator):
    p = Problems()
    if os.path.isfile(path):
        files = read_archive(path, p)
    elif os.path.isdir(path):
        files = read_folder(path, p)
    else:
        p.add("B0001", "not a bundle")
        files = None
    if files is None:
        return p
    check_names(files, p)
    raw = files.pop("bundle.json", None)
    files.pop("bundle.sig", None)
    if raw is None:
        if not any(c == "B0022" for c, _ in p.list):
            p.add("B0001", "no bundle.json")
        return p
    if len(raw) > MAX_MANIFEST:
        p.add("B0016", "bundle.json is over its limit")
        return p
    try:
        m = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        p.add("B0002", "bundle.json is not JSON")
        return p
    if not isinstance(m, dict) or m.get("format") != "steg-bundle" or m.get("format_version") != 1:
        p.add("B0003", "format")
        return p
    walk_strings(m, "", "", p)
    errors = sorted(validator.iter_errors(m), key=lambda e: list(e.absolute_path))
    # A string out of its pattern (an id, a path, a hash, a control character) is a rule the
    # checks below name with its own code; any other mismatch means the manifest cannot be
    # read as this format (B0002, or B0011 for a steg type this version does not know).
    structural = [e for e in errors if e.validator != "pattern"]
    if structural:
        types = [s.get("type") for mo in [m.get("moment", {})]
                 for md in mo.get("moduler", []) if isinstance(md, dict)
                 for a in md.get("avsnitt", []) if isinstance(a, dict)
                 for s in a.get("steg", []) if isinstance(s, dict)]
        if any(t not in STEG_TYPES for t in types):
            p.add("B0011", "a steg type this version does not know")
        else:
            p.add("B0002", "bundle.json does not match the schema: %s"
                  % structural[0].message[:200])
        return p
    roles = check_manifest(m, p)
    listed = {}
    keys = {}
    for f in m["files"]:
        if not safe_path(f["path"]):
            p.add("B0008", "an unsafe listed path")
            continue
        if f["path"] in listed:
            p.add("B0008", "listed twice")
            continue
        listed[f["path"]] = f
        k = look_alike_key(f["path"])
        if k in keys:
            p.add("B0022", "listed look-alikes")
        keys[k] = f["path"]
    uses = {}
    for path, role in roles:
        uses.setdefault(path, []).append(role)
        if path not in listed:
            p.add("B0006", "%s is used but not listed" % path)
    for path, f in listed.items():
        expected = "application/fhir+json" if path.startswith("fhir/") else media_type(path)
        if f["media_type"] != expected:
            p.add("B0024", "%s has the media type %s" % (path, f["media_type"]))
        elif any(not suits(r, f["media_type"]) for r in uses.get(path, [])):
            p.add("B0024", "%s is used as what it cannot be" % path)
        if path not in files:
            p.add("B0006", "%s is missing" % path)
            continue
        data = files[path]
        if data is None:
            continue
        if len(data) != f["size"] or hashlib.sha256(data).hexdigest() != f["sha256"]:
            p.add("B0007", "%s differs" % path)
            continue
        problem = content_problem(path, data)
        if problem:
            p.add(problem[0], "%s: %s" % (path, problem[1]))
    for path, data in files.items():
        if data is not None and path not in listed:
            p.add("B0010", "%s is not listed" % path)
    return p


def main():
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    for path in sys.argv[2:]:
        p = import_bundle(path, validator)
        print(json.dumps({"path": path, "accepted": not p.list,
                          "codes": sorted({c for c, _ in p.list}),
                          "problems": [t for _, t in p.list][:10]}, ensure_ascii=True))


if __name__ == "__main__":
    main()
