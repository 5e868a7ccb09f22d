"""The machinery every check shares: the one-sentence verdict (``@exercise``) and helpers that call
student code safely and name the first known mistake that matches."""
import functools
import inspect
import re

import keras
import numpy as np

from gan_utils.core.runtime import precision_scope


REAL_LOGITS = np.array([-5.0, 1.4, 12.5, 2.7], dtype="float32")
FAKE_LOGITS = np.array([0.3, -2.0, -12.5, 4.1], dtype="float32")


class CheckFailed(AssertionError):
    """Raised inside a check with the one sentence that says what differs; printed, never propagated."""


def exercise(title):
    def wrap(body):
        @functools.wraps(body)
        def run(*args, **kwargs):
            # a check compares the student's arithmetic with the package's: in float32 whatever the notebook's
            # policy, so bfloat16 rounding (mixed_bfloat16 on recent CPUs and GPUs) never reads as a wrong answer;
            # models the student built keep their own policy
            try:
                with precision_scope("float32"):
                    message = body(*args, **kwargs)
            except CheckFailed as failure:
                print(f"✗ {title}: {failure}")
                return False
            print(f"✓ {title}: {message}")
            return True

        return run

    return wrap


# -- helpers --------------------------------------------------------------------------------------
def function_name(fn):
    if isinstance(fn, keras.Model):
        return f"your model `{fn.name}`"
    return f"`{getattr(fn, '__name__', type(fn).__name__)}`"


def call_student(fn, *args, hint="", **kwargs):
    """Call the student's code; NotImplementedError and other exceptions become one sentence."""
    try:
        return fn(*args, **kwargs)
    except CheckFailed:
        raise
    except NotImplementedError:
        raise CheckFailed(f"{function_name(fn)} is not implemented yet: replace `raise NotImplementedError` "
                          "with your code.") from None
    except Exception as err:  # noqa: BLE001 (any error in student code becomes a sentence)
        text = re.sub(r"\x1b\[[0-9;]*m|\{\{function_node [^}]*\}\}|\[Op:\w+\]( name:)?", "", str(err))
        text = " ".join(text.replace("Exception encountered when calling Functional.call().", "").split())
        text = f": {text[:160]}{'…' if len(text) > 160 else ''}" if text else ""
        raise CheckFailed(f"{function_name(fn)} raised {type(err).__name__}{text}{' (' + hint + ')' if hint else ''}.") from None


def scalar_of(value, fn, nan_hint=""):
    if value is None:
        raise CheckFailed(f"{function_name(fn)} returns None: `return` the value.")
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    if np.iscomplexobj(array):
        raise CheckFailed(f"{function_name(fn)} returns a complex number ({complex(array.reshape(-1)[0]):.4g}): "
                          "keep the real part (`.real`), round-off makes a tiny imaginary part.")
    if array.size != 1:
        raise CheckFailed(f"{function_name(fn)} returns an array of shape {array.shape}, not one number: "
                          "take the mean over the batch (tf.reduce_mean).")
    number = float(array.reshape(()))
    if not np.isfinite(number):
        raise CheckFailed(f"{function_name(fn)} returns {number}{': ' + nan_hint if nan_hint else ''}.")
    return number


def all_close(a, b, rtol=1e-4, atol=1e-5):
    return abs(a - b) <= atol + rtol * abs(b)


def diagnose(value, expected, variants, what):
    """Raise CheckFailed naming the first known mistake whose value matches, else a generic sentence."""
    for variant_value, sentence in variants:
        if all_close(value, variant_value) and not all_close(value, expected):
            raise CheckFailed(sentence)
    raise CheckFailed(f"{what} is {value:.6g}, expected {expected:.6g}.")


def format_values(values):
    return "[" + ", ".join(f"{float(v):g}" for v in values) + "]"


def np_softplus(t):
    return np.logaddexp(0.0, np.asarray(t, "float64"))


def build_model(model_or_builder):
    """Accept a Keras model (or any callable model) or a function that builds one with no arguments."""
    if isinstance(model_or_builder, keras.Model):
        return model_or_builder
    if callable(model_or_builder) and _accepts_no_arguments(model_or_builder):
        return call_student(model_or_builder)
    return model_or_builder


def _accepts_no_arguments(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)




def output_shape_of(layer):
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError):
        return None
