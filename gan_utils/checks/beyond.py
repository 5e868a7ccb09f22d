"""Checks of the exercises of notebook 10 (beyond images): the privacy distance and the spectral trace."""
import numpy as np

from gan_utils.applications import privacy
from gan_utils.evaluation import spectra
from gan_utils.checks.core import CheckFailed, call_student, all_close, diagnose, exercise, function_name, scalar_of


def _vector(value, fn, n):
    if value is None:
        raise CheckFailed(f"{function_name(fn)} returns None: `return` the distances.")
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value, "float64")
    if array.size == 1 and n > 1:
        raise CheckFailed(f"{function_name(fn)} returns one number: return one distance per row (shape ({n},)), "
                          "not their mean.")
    if array.shape != (n,):
        raise CheckFailed(f"{function_name(fn)} returns shape {array.shape}: return one distance per row, shape ({n},).")
    return array


@exercise("distance to the closest record")
def check_distance_to_closest_record(fn):
    """``fn(rows, training_rows)``: for each row, the Euclidean distance to its nearest training row, after
    scaling every column by the training rows' mean and standard deviation."""
    rng = np.random.default_rng(19)
    scales = np.array([1.0, 100.0, 0.01])           # columns in very different units, like a patient record
    training = rng.normal(size=(40, 3)) * scales + np.array([5.0, -300.0, 0.2])
    rows = np.concatenate([training[:3] + rng.normal(size=(3, 3)) * 0.05 * scales,   # near copies
                           rng.normal(size=(5, 3)) * scales * 2 + np.array([5.0, -300.0, 0.2])])
    got = _vector(call_student(fn, rows, training), fn, len(rows))
    want = privacy.distance_to_closest_record(rows, training)
    if not np.allclose(got, want, rtol=1e-4, atol=1e-6):
        def nearest(a, b):
            return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).min(axis=1)
        mean, std = training.mean(0), training.std(0)
        own_mean, own_std = rows.mean(0), rows.std(0)
        variants = [(nearest(rows, training), "the columns are not scaled: divide each by the training rows' "
                     "standard deviation (after subtracting their mean), or the column in the largest unit decides alone."),
                    (want ** 2, "these are squared distances: take the square root."),
                    (nearest((rows - own_mean) / own_std, (training - own_mean) / own_std),
                     "scale with the training rows' mean and standard deviation, not those of the rows you measure."),
                    (nearest((rows - own_mean) / own_std, (training - mean) / std),
                     "both tables must be scaled with the same statistics (the training rows')."),
                    (np.abs(((rows - mean) / std)[:, None, :] - ((training - mean) / std)[None]).sum(-1).min(axis=1),
                     "this is the L1 (Manhattan) distance: use the Euclidean one.")]
        for value, sentence in variants:
            if np.allclose(got, value, rtol=1e-4, atol=1e-6):
                raise CheckFailed(sentence)
        worst = int(np.argmax(np.abs(got - want)))
        raise CheckFailed(f"row {worst}: distance {got[worst]:.6g}, expected {want[worst]:.6g}.")
    copies = _vector(call_student(fn, training[:4], training), fn, 4)
    if not np.allclose(copies, 0.0, atol=1e-6):
        raise CheckFailed(f"rows copied from the training table should be at distance 0, yours gives {copies.round(4)}.")
    return "matches privacy.distance_to_closest_record, and copied rows are at distance 0."


@exercise("high-frequency share")
def check_high_frequency_share(fn):
    """``fn(images, low=7)``: mean over images of the share of spectral power |FFT2(x − mean x)|², zero frequency
    centred (fftshift), that lies outside the centred (2·low + 1)² square."""
    rng = np.random.default_rng(10)
    yy, xx = np.mgrid[:28, :28]
    smooth = np.exp(-((yy - 14) ** 2 + (xx - 13) ** 2) / 40.0)[None] * rng.uniform(0.5, 1.0, (6, 1, 1))
    checker = ((yy + xx) % 2)[None] * 0.3 * rng.uniform(0.2, 1.0, (6, 1, 1))
    images = np.clip(smooth + checker + 0.05 * rng.normal(size=(6, 28, 28)), 0, 1)
    value = scalar_of(call_student(fn, images), fn)
    expected = spectra.high_frequency_share(images)
    if not all_close(value, expected):
        x = images - images.mean(axis=(1, 2), keepdims=True)

        def share(x, power=2, shift=True, low=7):
            spec = np.abs(np.fft.fft2(x)) ** power
            spec = np.fft.fftshift(spec, axes=(1, 2)) if shift else spec
            inner = spec[:, 14 - low:14 + low + 1, 14 - low:14 + low + 1].sum(axis=(1, 2))
            return np.mean(1 - inner / spec.sum(axis=(1, 2)))
        diagnose(value, expected, [
            (1 - expected, "this is the low-frequency share: return the share *outside* the centred square."),
            (share(x, power=1), "use the power |FFT|², not the magnitude |FFT|."),
            (share(x, shift=False), "the zero frequency sits at [0, 0] until np.fft.fftshift moves it to the centre."),
            (share(images), "subtract each image's mean first: its zero frequency (the average brightness) would "
                            "dominate the low frequencies."),
            (share(x, low=6), "the centred square spans centre − low … centre + low inclusive: 2·low + 1 values."),
        ], "the high-frequency share of 6 fixed images")
    flat = scalar_of(call_student(fn, np.tile((((yy + xx) % 2) * 1.0)[None], (2, 1, 1))), fn)
    if not all_close(flat, 1.0, atol=1e-6):
        raise CheckFailed(f"a pure checkerboard has all its power at the highest frequency (share 1), yours gives {flat:.4g}.")
    return "matches spectra.high_frequency_share, and gives 1 for a pure checkerboard."
