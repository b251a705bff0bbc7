"""Makes the plot fonts in data/fonts/ from DejaVu Sans 2.37 (regular and bold).

The subset keeps Latin-1, Latin Extended-A, Greek and the symbols the plots write (± · ² − σ χ),
without hinting or OpenType layout tables, under the family name "DejaVu Sans Plot". resvg's cost
per glyph grows with the size of the font: with the 6,000-glyph originals the text of one SALT2
plot took 20 ms of CPU, with this subset 4 ms.

    pip install fonttools==4.69.1
    python3 packages/salt2/tools/subset-fonts.py DejaVuSans.ttf DejaVuSans-Bold.ttf
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "DejaVu Sans Plot"
SYMBOLS = [0x2013, 0x2014, 0x2022, 0x2026, 0x2032, 0x2033, 0x2212, 0x221E, 0x2248, 0x2264, 0x2265]
UNICODES = [*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x391, 0x3CA), *SYMBOLS]
OUT = Path(__file__).resolve().parent.parent / "data" / "fonts"


def subset_font(source: Path) -> Path:
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = ["*"]
    font = TTFont(source, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = record.toUnicode().replace("DejaVu Sans", FAMILY)
        elif record.nameID == 6:
            record.string = record.toUnicode().replace("DejaVuSans", FAMILY.replace(" ", ""))
    target = OUT / source.name.replace("DejaVuSans", FAMILY.replace(" ", ""))
    font.save(target)
    return target


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(subset_font(Path(path)))
