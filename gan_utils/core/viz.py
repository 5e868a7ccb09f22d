"""Plots: image grids, loss and health curves, GIFs, 1-D densities.

Image grids and curves are introduced in 00_setup.ipynb and 01_vanilla_gan.ipynb;
GIFs in 01/02; the density plot in 01_vanilla_gan.ipynb's theory section.
"""
import imageio.v2 as imageio
import matplotlib.pyplot as plt
import numpy as np

from gan_utils.core.data import to_uint8


def image_grid(images, ncols=None, pad=2, scale=1):
    """Tile images (N, 28, 28[, 1]) in [-1, 1] or uint8 into one uint8 array (rows x cols)."""
    images = np.asarray(images)
    tiles = images if images.dtype == np.uint8 and images.ndim == 3 else to_uint8(images)
    n, h, w = tiles.shape
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    grid = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad), 255, dtype="uint8")
    for i, tile in enumerate(tiles):
        r, c = divmod(i, ncols)
        grid[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = tile
    return np.kron(grid, np.ones((scale, scale), dtype="uint8")) if scale > 1 else grid


def show_images(images, ncols=None, title=None, ax=None, figsize=(4, 4)):
    """Draw an image grid on ``ax`` (a new figure if None) and return the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    ax.imshow(image_grid(images, ncols), cmap="gray", vmin=0, vmax=255)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def smooth(values, window=25):
    """Running mean over ``window`` points (shorter at the start), for noisy per-step curves."""
    values = np.asarray(values, dtype="float64")
    if len(values) == 0:
        return values
    cumsum = np.cumsum(np.insert(values, 0, 0.0))
    idx = np.arange(1, len(values) + 1)
    start = np.maximum(0, idx - window)
    return (cumsum[idx] - cumsum[start]) / (idx - start)


def plot_history(history, axes=None, window=25):
    """Two panels: losses (d_loss, g_loss) and health: D(x) and D(G(z)) for a probabilistic
    discriminator; for a WGAN critic its raw scores, the W estimate and, on its own log axis, GP.

    What to watch for: D(x) near 1 with D(G(z)) near 0 for long means D wins and G's
    gradient vanishes; curves that stop moving with identical samples mean mode collapse.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    critic = "w_estimate" in history
    cycle = "cycle" in history  # CycleGAN (07): least-squares outputs of the MNIST discriminator, not probabilities
    health = ((("d_real", "critic(x)"), ("d_fake", "critic(G(z))"), ("w_estimate", "W estimate")) if critic
              else (("d_real", "D_A(MNIST digit)"), ("d_fake", "D_A(G(b))")) if cycle
              else (("d_real", "D(x)"), ("d_fake", "D(G(z))")))
    panels = ((("d_loss", "d_loss"), ("g_loss", "g_loss")), health)
    titles = ("losses (running mean)", "critic scores (running mean)" if critic
              else "D_A outputs, least squares: real 1, fake 0 (running mean)" if cycle
              else "discriminator health (running mean)")
    for ax, keys, title in zip(axes, panels, titles):
        for key, label in keys:
            if key in history:
                ax.plot(smooth(history[key], window), label=label)
        ax.set_xlabel("generator iteration")
        ax.set_title(title)
        if ax.lines:
            ax.legend(loc="best", fontsize=10, framealpha=0.8)
    extra = [key for key in ("l1", "cycle") if key in history]  # translation models (07): on their own scale
    if extra:
        ax = axes[0].twinx() if axes[0].lines else axes[0]
        for key in extra:
            ax.plot(smooth(history[key], window), color="gray" if key == "l1" else "tab:green", lw=1.2,
                    label=f"{key} (right)" if ax is not axes[0] else key)
        ax.set_ylabel(" and ".join(extra) + " loss")
        ax.legend(loc="lower left" if ax is not axes[0] else "best", fontsize=10, framealpha=0.8)
    if critic and "gp" in history and len(axes) > 1:
        gp_ax = axes[1].twinx()
        gp_ax.plot(smooth(history["gp"], window), color="gray", lw=1, label="GP (right, log)")
        gp_ax.set_yscale("log")
        gp_ax.set_ylabel("gradient penalty")
        gp_ax.legend(loc="lower right", fontsize=10, framealpha=0.8)
    return axes


def save_gif(frames, path, fps=4, max_frames=60):
    """Write frames (uint8 arrays) to a GIF, evenly subsampled to at most ``max_frames``; last frame kept."""
    frames = list(frames)
    if not frames:
        raise ValueError("save_gif needs at least one frame.")
    if len(frames) > max_frames:
        keep = np.unique(np.linspace(0, len(frames) - 1, max_frames).round().astype(int))
        frames = [frames[i] for i in keep]
    imageio.mimsave(path, frames, duration=1000 / fps, loop=0)
    return path


def plot_quality(records, ax=None, bars=None, x="epoch", ema=True, n=2000):
    """The quality log of ``callbacks.QualityMeter``: mean confidence, 10 x smallest class share and,
    for conditional models, requested-digit accuracy, against ``x`` ("epoch", "iteration" or
    "seconds", shown in minutes); the moving-average generator's confidence dashed when logged;
    dotted lines at the course's bars (0.9 confidence, 5 % share) or at ``bars`` {key: value}.
    Used from 01_vanilla_gan.ipynb on."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.4))
    xs = [r[x] / 60 if x == "seconds" else r[x] for r in records]
    curves = {"mean_confidence": ("mean confidence", 1.0), "min_class_share": ("10 x smallest class share", 10.0),
              "requested_accuracy": ("requested-digit accuracy", 1.0)}
    for key, (label, factor) in curves.items():
        if records and key in records[0]:
            line, = ax.plot(xs, [factor * r[key] for r in records], "o-", ms=3, label=label)
            if ema and "ema" in records[0]:
                ax.plot(xs, [factor * r["ema"][key] for r in records], "--", color=line.get_color(),
                        label=label + " (EMA generator)")
    for value in (bars or {"mean_confidence": 0.9, "min_class_share": 0.5}).values():
        ax.axhline(value, color="gray", ls=":")
    ax.set_xlabel({"seconds": "training minutes"}.get(x, x))
    ax.set_title(f"quality of {n:,} samples")
    ax.legend(fontsize=10, loc="lower right")
    return ax


def show_rows(rows, ncols=None, title=None, ax=None, fontsize=12):
    """Rows of 28×28 images with their names on the left: input / output / target grids of notebook 07.

    ``rows``: dict name -> images (N, 28, 28[, 1]) in [-1, 1] or uint8; the first ``ncols`` of each are drawn."""
    names = list(rows)
    ncols = ncols or min(len(images) for images in rows.values())
    tiles = []
    for images in rows.values():
        images = np.asarray(images)[:ncols]
        tiles.append(images if images.dtype == np.uint8 and images.ndim == 3 else to_uint8(images))
    grid = image_grid(np.concatenate(tiles), ncols=ncols, pad=2)
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 1.2 * len(names) * 11 / ncols * 0.75 + 0.4))
    ax.imshow(grid, cmap="gray", vmin=0, vmax=255)
    ax.set_xticks([])
    ax.set_yticks([2 + 14 + k * 30 for k in range(len(names))])
    ax.set_yticklabels(names, fontsize=fontsize)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    return ax
