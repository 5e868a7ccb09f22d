"""Root pytest configuration: quick mode for every notebook kernel nbval starts (they inherit
this environment), and quiet TensorFlow logs."""
import os

os.environ.setdefault("GAN_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
