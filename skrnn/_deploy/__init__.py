"""Deployment: saving and loading without pickle, ONNX export (imported on first
use from ``skrnn.save``, ``skrnn.load``, ``skrnn.to_onnx``)."""
