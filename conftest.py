"""Root pytest configuration.

- quick mode for every notebook kernel nbval starts (they inherit this environment), quiet TensorFlow logs;
- one dtype policy for the whole suite: what ``choose_precision("auto")`` picks on this machine, or the one
  ``GAN_UTILS_PRECISION`` forces (``GAN_UTILS_PRECISION=mixed_bfloat16 pytest`` runs the bfloat16 path on any CPU);
- no test may leave global state changed: an autouse fixture fails a test after which the dtype policy, the
  random states (Python, NumPy, TensorFlow, Keras), op determinism, the SIGINT handler or the working directory
  differ from before it. A test that seeds on purpose calls ``tests.seeding.reseed`` (restored afterwards).
"""
import os

os.environ.setdefault("GAN_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest  # noqa: E402


def pytest_configure(config):
    from gan_utils.runtime import choose_precision

    config.gan_precision = choose_precision("auto")
    config.addinivalue_line("markers", "float32: a golden test of a formula, run under float32 whatever the suite's "
                                       "policy (its closeness under mixed_bfloat16 is tested in test_precision.py)")


@pytest.fixture(autouse=True)
def float32_when_marked(request):
    """Tests marked ``float32`` check arithmetic against NumPy to float32 tolerances: they run in float32."""
    if request.node.get_closest_marker("float32") is None:
        yield
        return
    from gan_utils.runtime import precision_scope

    with precision_scope("float32"):
        yield


def pytest_report_header(config):
    return f"gan_utils precision: {config.gan_precision} (GAN_UTILS_PRECISION={os.environ.get('GAN_UTILS_PRECISION', '')!r})"


@pytest.fixture(autouse=True)
def no_leaked_global_state(request):
    import signal

    import keras

    from gan_utils import runtime
    from tests import seeding

    policy, state = keras.config.dtype_policy().name, runtime.random_state()
    determinism = runtime.op_determinism()
    handler, cwd = signal.getsignal(signal.SIGINT), os.getcwd()
    seeding.begin_test()
    yield
    reseeded = seeding.end_test()
    leaks = []
    if keras.config.dtype_policy().name != policy:
        leaks.append(f"the dtype policy ({policy} -> {keras.config.dtype_policy().name})")
        keras.config.set_dtype_policy(policy)
    if runtime.seeds_changed(state, runtime.random_state()):
        if not reseeded:
            leaks.append("the global random state (a seed was set; use tests.seeding.reseed or runtime.seeded)")
        runtime.restore_random_state(state)
    if runtime.op_determinism() != determinism:
        if not reseeded:
            leaks.append(f"op determinism ({determinism} -> {not determinism})")
        runtime.set_op_determinism(determinism)
    if signal.getsignal(signal.SIGINT) is not handler:
        leaks.append(f"the SIGINT handler ({handler!r} -> {signal.getsignal(signal.SIGINT)!r})")
        signal.signal(signal.SIGINT, handler)
    if os.getcwd() != cwd:
        leaks.append(f"the working directory ({cwd} -> {os.getcwd()})")
        os.chdir(cwd)
    if leaks:
        pytest.fail(f"{request.node.nodeid} left global state changed: {'; '.join(leaks)}", pytrace=False)
