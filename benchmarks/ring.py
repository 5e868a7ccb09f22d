"""Ring of 8 Gaussians (radius 2, σ 0.02): the plain GAN collapses; each remedy of 03 is trained on the same
networks, the same noise (256-d) and the same real data, and scored as VEEGAN (Srivastava et al. 2017, Table 1)
scores it: modes covered (a mode holds >= 1 % of 10,000 samples within 3σ of its centre) and the share of
high-quality samples (within 3σ = 0.06 of a centre). Paper anchors on this ring: GAN 1 mode, Unrolled GAN 7.6
modes, VEEGAN 8.0 modes and 52.9 % high quality; PacGAN ≈ 7.9 modes.

Networks: the unrolled-GAN paper's ring generator (Metz et al. 2017, appendix A: 256-d noise -> 2 x 128 tanh -> 2)
against a discriminator of 2 x 128 ReLU units; Adam 5e-4, β1 0.5, batch 256, 6,000 generator iterations. Why this
discriminator: with the paper's tanh discriminator our plain GAN does not collapse (8/8 modes, 77.7 % within 3σ at
6,000 iterations; 8/8, 52.9 % with the paper's own 1e-4 and batch 512 after 15,000), and with 03's LeakyReLU
generator no method concentrates its samples, not even the energy-distance generator that has no adversary
(0/8 modes, 2.4 %): that generator, not the game, is the bottleneck there. Measured while choosing, one seed each
(see benchmarks/README.md). Per-arm settings are in ``gan_utils.toy.ring_arm`` (the papers' where they give one),
which notebook 03 trains too.

    python benchmarks/ring.py                       # every arm, seeds 0 1 2 (about 25 minutes on 2 cores)
    python benchmarks/ring.py --arms unrolled --seeds 0 --iterations 2000     # one arm, quickly
    python benchmarks/ring.py --table               # the table of benchmarks/ring.json

Writes benchmarks/ring.json (merged with the arms already there) and benchmarks/ring.png (seed 0's samples).
"""
import argparse
import json
import time
from pathlib import Path

import gan_utils  # noqa: F401  (first: keeps TensorFlow's native log lines out)
import numpy as np

from gan_utils import data, toy
from gan_utils.runtime import precision_scope, seeded

HERE = Path(__file__).resolve().parent
SNAPSHOT_EVERY, N_EVAL = 500, 10_000
ARMS = toy.RING_ARMS
D_NETS = {"tanh2": {"activation": "tanh"}, "leaky1": {"hidden": (128,), "activation": "leaky_relu"},
          "leaky2": {"activation": "leaky_relu"}, "relu2": {"activation": "relu"},
          "tanh1": {"hidden": (128,), "activation": "tanh"}}


def run(name, seed, iterations):
    """One arm, one seed: the arm is ``toy.ring_arm``'s (the settings notebook 03 trains too)."""
    with precision_scope("float32"), seeded(seed, deterministic=True):
        steps, d_steps, batch = toy.ring_arm(name, seed, iterations, unroll=ARGS.unroll, learning_rate=ARGS.d_lr,
                                             g_learning_rate=ARGS.g_lr, g_activation=ARGS.g_act,
                                             d_kwargs=D_NETS[ARGS.d_net])
        batch = ARGS.batch if name != "minibatch" else batch
        began = time.perf_counter()
        out = toy.train_on_ring(steps, iterations, batch, d_steps=d_steps, snapshot_every=SNAPSHOT_EVERY,
                                n_snapshot=N_EVAL, seed=seed)
        seconds = time.perf_counter() - began
    last = {key: out[key][-1] for key in ("modes", "high_quality", "near")}   # the last snapshot, scored by the loop
    return {"arm": name, "seed": seed, "iterations": iterations, "seconds": round(seconds, 1),
            **({"unroll": ARGS.unroll} if name == "unrolled" else {}),
            "batch": batch, "images_seen": iterations * d_steps * batch, **last,
            "trajectory": {"iteration": out["iteration"], "modes": out["modes"],
                           "high_quality": [round(h, 4) for h in out["high_quality"]]},
            "points": out["points"][-1][:2000].round(4).tolist()}


def table(results):
    """Markdown table of the runs in ``results``: per arm, the mean over seeds (and each seed) of both counts."""
    lines = ["| arm | seeds | modes (≥ 1 % within 3σ), mean | per seed | within 3σ, mean | within 0.2, mean | "
             "iterations | seconds per run |", "|---|---|---|---|---|---|---|---|"]
    for name in ARMS:
        runs = sorted((r for r in results["runs"] if r["arm"] == name), key=lambda r: r["seed"])
        if not runs:
            continue
        lines.append(f"| {ARMS[name]} | {len(runs)} | {np.mean([r['modes'] for r in runs]):.1f} | "
                     f"{', '.join(str(r['modes']) for r in runs)} | "
                     f"{100 * np.mean([r['high_quality'] for r in runs]):.1f} % | "
                     f"{100 * np.mean([r['near'] for r in runs]):.1f} % | {runs[0]['iterations']:,} | "
                     f"{np.mean([r['seconds'] for r in runs]):.0f} |")
    return "\n".join(lines)


def plot(results, path, seed=0):
    """Seed ``seed``'s last samples (2,000 of them) for every arm, over the 8 centres and their 3σ circles."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = {r["arm"]: r for r in results["runs"] if r["seed"] == seed}
    names = [n for n in ARMS if n in runs]
    fig, axes = plt.subplots(2, (len(names) + 1) // 2, figsize=(11, 5.8), layout="constrained")
    for ax, name in zip(axes.flat, names):
        r, points = runs[name], np.asarray(runs[name]["points"])
        ax.scatter(*points.T, s=1.5, c="C3", alpha=0.5)
        for c in data.ring_centers():
            ax.add_patch(plt.Circle(c, 0.06, fill=False, color="k", lw=0.8))
        ax.set_xlim(-2.7, 2.7); ax.set_ylim(-2.7, 2.7); ax.set_aspect("equal"); ax.set_xticks([]); ax.set_yticks([])
        ax.set_title(f"{ARMS[name]}\n{r['modes']}/8 modes, {100 * r['high_quality']:.0f} % within 3σ", fontsize=10)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(f"Ring of 8 Gaussians, seed {seed}: 2,000 samples after {runs[names[0]]['iterations']:,} generator "
                 "iterations (circles: 3σ = 0.06 around each centre)", fontsize=11)
    fig.savefig(path, dpi=100)
    return path


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arms", default=",".join(ARMS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--iterations", type=int, default=toy.RING_ITERATIONS)
    parser.add_argument("--out", type=Path, default=HERE / "ring.json")
    parser.add_argument("--d-net", choices=list(D_NETS), default="relu2")
    parser.add_argument("--g-act", default="tanh")
    parser.add_argument("--batch", type=int, default=toy.RING_BATCH)
    parser.add_argument("--g-lr", type=float, default=toy.RING_LEARNING_RATE)
    parser.add_argument("--d-lr", type=float, default=toy.RING_LEARNING_RATE)
    parser.add_argument("--unroll", type=int, default=5)
    parser.add_argument("--table", action="store_true", help="print the table of --out and stop")
    ARGS = parser.parse_args()
    results = json.loads(ARGS.out.read_text()) if ARGS.out.exists() else {"runs": []}
    if ARGS.table:
        print(table(results))
        print(f"figure: {plot(results, HERE / 'ring.png').relative_to(HERE.parent)}")
        return
    for name in ARGS.arms.split(","):
        for seed in ARGS.seeds:
            r = run(name, seed, ARGS.iterations)
            label = ARMS[name].replace("(5 steps)", f"({ARGS.unroll} steps)")
            print(f"{label:>36} seed {seed}: {r['modes']}/8 modes, {100 * r['high_quality']:5.1f} % within 3σ, "
                  f"{100 * r['near']:5.1f} % within 0.2, {r['seconds']:.0f} s", flush=True)
            results["runs"] = [x for x in results["runs"] if (x["arm"], x["seed"]) != (name, seed)] + [r]
            ARGS.out.write_text(json.dumps(results))


if __name__ == "__main__":
    main()
