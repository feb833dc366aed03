"""Datasets: AIST++, Dance with Melody and the synthetic corpus, plus motion file formats."""
