"""The text that a PDF reader copies or searches out of the add-on's printed
forms, in Chinese characters.

wkhtmltopdf writes its PDFs with Qt, which maps each glyph of a font back to
the lowest code point the font draws with it. The CJK fonts (Noto Sans and
Serif CJK SC) draw a radical and the ideograph of the same shape with one
glyph (⼯ KANGXI RADICAL WORK, U+2F2F, and 工, U+5DE5), so a form printed as
派工单 is copied, searched and read aloud as 派⼯单. The forms' ToUnicode maps
are rewritten to the ideographs (ir.actions.report's _run_wkhtmltopdf, for the
add-on's reports), in place: every code point is written with four hex
digits, so no offset of the PDF moves.
"""

import re
import unicodedata

# The Kangxi radicals (U+2F00-U+2FD5) are the ideographs Unicode decomposes
# them to (NFKC); the CJK radicals supplement has no such decomposition, so
# these pairs, and the one Kangxi radical the SC fonts draw as the simplified
# ideograph, are read from the fonts' cmaps (Noto Sans and Serif CJK SC).
RADICALS = (
    "⺂⺃⺅⺉⺋⺎⺏⺐⺒⺓⺔⺕⺖⺘⺙⺛⺞⺠⺡⺣⺤⺦⺨⺫⺭⺯⺰⺱⺳⺹⺺⺾⻁⻂⻃⻅"
    "⻆⻈⻉⻋⻌⻐⻑⻒⻓⻔⻖⻘⻙⻚⻛⻜⻝⻟⻠⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻮⻯⻰⻱⻲⼾"
)
IDEOGRAPHS = (
    "乛乚亻刂㔾兀尣尢巳幺彑彐忄扌攵旡歺民氵灬爫丬犭罒礻糹纟罓㓁耂肀艹虎衤覀见"
    "角讠贝车辶钅長镸长门阝青韦页风飞食飠饣马骨鬼鱼鸟卤麦黄黾斉齐齿竜龙龜亀户"
)
# As ToUnicode maps write them: upper-case hex, four digits.
_TO_IDEOGRAPH = {
    b"%04X" % ord(radical): b"%04X" % ord(ideograph)
    for radical, ideograph in (
        *(
            (chr(code), unicodedata.normalize("NFKC", chr(code)))
            for code in range(0x2F00, 0x2FD6)
        ),
        *zip(RADICALS, IDEOGRAPHS, strict=True),
    )
}

_CMAP = re.compile(rb"begincmap\b.*?\bendcmap", re.DOTALL)
# A bfchar section maps one code to a destination; a bfrange section maps
# codes src1..src2 to an array of destinations, or to consecutive ones from
# one destination.
_BFCHAR = re.compile(rb"(\bbeginbfchar\b)(.*?)(\bendbfchar\b)", re.DOTALL)
_BFRANGE = re.compile(rb"(\bbeginbfrange\b)(.*?)(\bendbfrange\b)", re.DOTALL)
_CHAR = re.compile(rb"(<[0-9A-Fa-f]+>\s*)(<[0-9A-Fa-f]+>)")
_RANGE = re.compile(
    rb"<([0-9A-Fa-f]+)>(\s*)<([0-9A-Fa-f]+)>(\s*)(\[[^\]]*\]|<[0-9A-Fa-f]+>)"
)
_DESTINATION = re.compile(rb"<([0-9A-Fa-f]+)>")


def _ideographs(destination):
    """A destination <...> (UTF-16 code units, four hex digits each) with
    its radicals written as their ideographs."""
    digits = destination.group(1)
    if len(digits) % 4:
        return destination.group(0)
    units = (digits[i : i + 4].upper() for i in range(0, len(digits), 4))
    return b"<%s>" % b"".join(_TO_IDEOGRAPH.get(unit, unit) for unit in units)


def _bfchar(section):
    body = _CHAR.sub(
        lambda line: line.group(1) + _DESTINATION.sub(_ideographs, line.group(2)),
        section.group(2),
    )
    return section.group(1) + body + section.group(3)


def _bfrange_line(line):
    first, space, last, space2, destination = line.groups()
    # Consecutive destinations from one start are left alone unless the
    # range is a single code: a radical inside it has no four-digit fix.
    if destination.startswith(b"[") or first.upper() == last.upper():
        destination = _DESTINATION.sub(_ideographs, destination)
    return b"<%s>%s<%s>%s%s" % (first, space, last, space2, destination)


def _bfrange(section):
    body = _RANGE.sub(_bfrange_line, section.group(2))
    return section.group(1) + body + section.group(3)


def _cmap(cmap):
    text = _BFCHAR.sub(_bfchar, cmap.group(0))
    return _BFRANGE.sub(_bfrange, text)


def copyable_chinese(pdf):
    """``pdf`` (bytes) whose ToUnicode maps give the ideographs where Qt
    wrote radicals of the same glyph. Each replacement keeps its length."""
    fixed = _CMAP.sub(_cmap, pdf)
    # A length that changed would move the objects the PDF's index points
    # to: the PDF is then kept as it was.
    return fixed if len(fixed) == len(pdf) else pdf
