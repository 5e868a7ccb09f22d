#!/usr/bin/env python
"""Clean and shrink the outputs of executed notebooks before they are committed.

    python scripts/shrink_outputs.py notebooks/01_vanilla_gan.ipynb [...]

- **Progress bars** leave residue in saved outputs: tqdm writes every update as ``\\r…`` (often one stream output per
  update), Keras' progbar prints a line per update. A notebook should open with one final line per bar, so every run
  of stream outputs is read as a terminal would show it (``\\r`` returns to the line's start) and consecutive states of
  the same bar collapse to the last one. Other outputs are left exactly as they are.
- **Widget state** (``metadata.widgets``: the live bars' and figures' saved models) is stale once the kernel is gone
  and only adds bytes; it is removed.
- **PNG outputs** are recompressed losslessly: Matplotlib writes them as RGBA with fast, weak compression; re-encoding
  with PIL's ``optimize=True``, without the alpha channel when every pixel is opaque and as one grey channel when
  every pixel is grey (the digit grids), keeps every pixel (checked: the image read back as RGBA is identical) and
  keeps notebooks under the course's 3 MB limit.
"""
import base64
import io
import json
import re
import sys

# one state of a text progress bar: tqdm ("12it [00:05, 2.3it/s]", " 40%|████  | 4/10 [...]") or Keras'
# progbar ("  4/468 ━━━━━… 2s 5ms/step", "4/468 [==>....]")
PROGRESS = re.compile(r"\d+it \[\d|\d+%\|.*\|\s*\d+/\d+|\d+/\d+ \[\d+:\d+|^\s*\d+/\d+\s+(?:━|\[[=>.]*\])")
# what identifies a bar: its description, the text before the counter
_COUNTER = re.compile(r"\s*(?:\d+it \[|\d+%\||\d+/\d+\s)")


def _bar_key(line):
    match = _COUNTER.search(line)
    return line[:match.start()] if match else line


def collapse_progress(text):
    """``text`` as it reads once every progress bar in it shows only its last state."""
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if "\r" in line:  # a terminal shows what was written after the last carriage return
            states = [part for part in line.split("\r") if part.strip()]
            line = states[-1] if states else ""
        if lines and PROGRESS.search(line) and PROGRESS.search(lines[-1]) and _bar_key(line) == _bar_key(lines[-1]):
            lines[-1] = line  # the next state of the same bar
        else:
            lines.append(line)
    return "\n".join(lines)


def _source_lines(text):
    return text.splitlines(keepends=True)


def clean_progress(nb):
    """Collapse progress-bar residue in every code cell's stream outputs, in place; returns the number of cells changed.
    A run of consecutive stream outputs of the same stream is merged into one only when collapsing changes its text."""
    changed = 0
    for cell in nb.get("cells", []):
        outputs, new, i = cell.get("outputs", []), [], 0
        while i < len(outputs):
            out = outputs[i]
            if out.get("output_type") != "stream":
                new.append(out)
                i += 1
                continue
            j = i
            while j < len(outputs) and outputs[j].get("output_type") == "stream" and outputs[j].get("name") == out.get("name"):
                j += 1
            run = outputs[i:j]
            text = "".join("".join(o.get("text", "")) for o in run)
            clean = collapse_progress(text)
            if clean == text:
                new.extend(run)
            else:
                new.append({"output_type": "stream", "name": out.get("name"), "text": _source_lines(clean)})
            i = j
        new = _drop_earlier_states(new)
        if new != outputs:
            cell["outputs"] = new
            changed += 1
    return changed


def _drop_earlier_states(outputs):
    """Drop a stream output that holds only progress-bar states when a later output of the same stream shows the same
    bar again (a live figure drawn between two states splits a bar's residue in two)."""
    def bars(out):
        lines = [line for line in "".join(out.get("text", "")).split("\n") if line.strip()]
        return {_bar_key(line) for line in lines if PROGRESS.search(line)}, lines

    kept = []
    for index, out in enumerate(outputs):
        if out.get("output_type") == "stream":
            keys, lines = bars(out)
            later = [bars(o)[0] for o in outputs[index + 1:]
                     if o.get("output_type") == "stream" and o.get("name") == out.get("name")]
            if lines and len(keys) and all(PROGRESS.search(line) for line in lines) and any(keys <= k for k in later):
                continue
        kept.append(out)
    return kept


def clean_widgets(nb):
    """Remove saved widget state from the notebook's metadata, in place; returns True if there was any."""
    return nb.get("metadata", {}).pop("widgets", None) is not None


def shrink_pngs(nb):
    """Recompress PNG outputs losslessly, in place; returns (bytes before, bytes after)."""
    import numpy as np
    from PIL import Image

    before = after = 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" not in data:
                continue
            raw = base64.b64decode(data["image/png"])
            image = Image.open(io.BytesIO(raw))
            rgba = np.asarray(image.convert("RGBA"))
            smallest = image
            if (rgba[..., 3] == 255).all():
                grey = (rgba[..., 0] == rgba[..., 1]).all() and (rgba[..., 1] == rgba[..., 2]).all()
                smallest = Image.fromarray(rgba[..., 0]) if grey else Image.fromarray(rgba[..., :3])
            buffer = io.BytesIO()
            smallest.save(buffer, format="PNG", optimize=True)
            new = buffer.getvalue()
            assert np.array_equal(np.asarray(Image.open(io.BytesIO(new)).convert("RGBA")), rgba), "pixels changed"
            before, after = before + len(raw), after + min(len(raw), len(new))
            if len(new) < len(raw):
                data["image/png"] = base64.b64encode(new).decode("ascii")
    return before, after


def shrink(path):
    nb = json.load(open(path, encoding="utf-8"))
    bars, widgets = clean_progress(nb), clean_widgets(nb)
    before, after = shrink_pngs(nb)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{path}: progress bars collapsed in {bars} cell(s){', widget state removed' if widgets else ''}; "
          f"PNG outputs {before / 1e6:.2f} MB -> {after / 1e6:.2f} MB")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        shrink(p)
