#!/usr/bin/env python
"""Losslessly recompress the PNG outputs of executed notebooks (same pixels, fewer bytes).

    python scripts/shrink_outputs.py notebooks/01_vanilla_gan.ipynb [...]

Matplotlib writes PNGs with fast, weak compression; re-encoding them with PIL's ``optimize=True`` keeps every
pixel (checked) and keeps notebooks under the course's 3 MB limit. Nothing else in the notebook changes.
"""
import base64
import io
import json
import sys

import numpy as np
from PIL import Image


def shrink(path):
    nb = json.load(open(path, encoding="utf-8"))
    before = after = 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" not in data:
                continue
            raw = base64.b64decode(data["image/png"])
            image = Image.open(io.BytesIO(raw))
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=True)
            new = buffer.getvalue()
            assert np.array_equal(np.asarray(Image.open(io.BytesIO(new))), np.asarray(image)), "pixels changed"
            before, after = before + len(raw), after + min(len(raw), len(new))
            if len(new) < len(raw):
                data["image/png"] = base64.b64encode(new).decode("ascii")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{path}: PNG outputs {before / 1e6:.2f} MB -> {after / 1e6:.2f} MB")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        shrink(p)
