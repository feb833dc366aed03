"""Checkpoint to ONNX export (installed as ``livedual.export``; needs ``livedual[export]``)."""
