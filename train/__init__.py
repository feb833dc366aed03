"""Training for livedual (installed as ``livedual.train``; needs ``livedual[train]``)."""
