"""Split a SQuAD file by article into two files: even-numbered articles (0, 2, ...) and odd ones.

`make eval` uses it to choose the reader's abstention threshold on one half of the visible SQuAD
v2.0 dev articles and to report on the other half, so that no reported number was tuned on itself:

    python tools/split_squad.py IN.json EVEN.json ODD.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    source, even, odd = (Path(a) for a in argv)
    data = json.loads(source.read_text(encoding="utf-8"))
    for path, part in ((even, data["data"][0::2]), (odd, data["data"][1::2])):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"version": data.get("version"), "data": part}), encoding="utf-8")
        print(f"{path}: {len(part)} articles ({', '.join(a['title'] for a in part)})")


if __name__ == "__main__":
    main(sys.argv[1:])
